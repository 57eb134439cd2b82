namespace DyTox.Model.Tests.Data;

/// <summary>Locates the repository's options/ folder from the test binary directory.</summary>
internal static class OptionFiles
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !Directory.Exists(System.IO.Path.Combine(dir.FullName, "options", "model")))
            {
                dir = dir.Parent;
            }
            return dir is null
                ? throw new DirectoryNotFoundException("options/ folder not found above " + AppContext.BaseDirectory)
                : System.IO.Path.Combine(dir.FullName, "options");
        }
    }

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    /// <summary>
    /// The project's shared/ folder of original reference data, which lies beside the checkout (CI and developers
    /// get a copy there); null when absent, so tests that need it can say so.
    /// </summary>
    public static string? SharedData(string relative)
    {
        string beside = System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, "..", "..", "shared", relative));
        return File.Exists(beside) || Directory.Exists(beside) ? beside : null;
    }
}
