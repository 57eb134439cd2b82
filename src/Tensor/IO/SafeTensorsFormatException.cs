namespace DyTox.Tensor.IO;

/// <summary>A safetensors file (or byte buffer) that does not follow the format.</summary>
public sealed class SafeTensorsFormatException : IOException
{
    public SafeTensorsFormatException(string source, string problem, Exception? inner = null)
        : base($"Invalid safetensors file '{source}': {problem}", inner)
    {
        FilePath = source;
        Problem = problem;
    }

    /// <summary>The file path (or the name given for an in-memory buffer).</summary>
    public string FilePath { get; }

    /// <summary>What was wrong, without the file name.</summary>
    public string Problem { get; }
}
