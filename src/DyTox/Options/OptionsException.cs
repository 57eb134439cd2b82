namespace DyTox.Options;

/// <summary>An option file or override is invalid; the message names the key and where it came from.</summary>
public sealed class OptionsException(string message) : Exception(message);
