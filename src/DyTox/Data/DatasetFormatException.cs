namespace DyTox.Data;

/// <summary>A dataset file is missing, truncated, corrupt or not in the expected format.</summary>
public class DatasetFormatException : Exception
{
    public DatasetFormatException(string path, string message)
        : base($"{path}: {message}")
    {
        FilePath = path;
    }

    public DatasetFormatException(string path, string message, Exception inner)
        : base($"{path}: {message}", inner)
    {
        FilePath = path;
    }

    public string FilePath { get; }
}
