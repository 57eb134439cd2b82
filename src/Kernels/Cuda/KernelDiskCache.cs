using System.Security.Cryptography;
using System.Text;

namespace DyTox.Kernels.Cuda;

/// <summary>
/// Compiled kernel images on disk, one file per key: &lt;dir&gt;/&lt;key&gt;.cubin holding
/// magic | SHA-256(payload) | payload. Written atomically (a temp file in the same directory, then a
/// rename), so concurrent writers never expose a half-written file; a torn or corrupt file fails the
/// checksum, is deleted and reported as a miss, and the caller recompiles (engine guide §5.4, as CuPy).
/// Cache I/O failures never fail a compile: they only cost the cache.
/// </summary>
public sealed class KernelDiskCache
{
    /// <summary>Bump when the payload layout or the key recipe changes.</summary>
    public const int FormatVersion = 1;
    public const string DirectoryVariable = "DYTOX_KERNEL_CACHE_DIR";
    private static readonly byte[] Magic = "DYTOXKC1"u8.ToArray();
    private const int HashBytes = 32;

    public string Directory { get; }

    public KernelDiskCache(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = directory;
    }

    /// <summary>
    /// $DYTOX_KERNEL_CACHE_DIR, else $XDG_CACHE_HOME/dytox/kernels, else ~/.cache/dytox/kernels;
    /// null when DYTOX_KERNEL_CACHE_DIR is "off" or no home directory is known.
    /// </summary>
    public static KernelDiskCache? ForCurrentUser()
    {
        var explicitDir = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (string.Equals(explicitDir, "off", StringComparison.OrdinalIgnoreCase)) return null;
        if (!string.IsNullOrWhiteSpace(explicitDir)) return new KernelDiskCache(explicitDir);
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg)) return new KernelDiskCache(Path.Combine(xdg, "dytox", "kernels"));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : new KernelDiskCache(Path.Combine(home, ".cache", "dytox", "kernels"));
    }

    /// <summary>
    /// The cache key: SHA-256 over the format version, source name and text, every header (sorted by
    /// name), the sorted option list, the name expressions, the NVRTC version and the target.
    /// </summary>
    public static string Key(string sourceName, string source, IReadOnlyDictionary<string, string> headers,
                             IEnumerable<string> options, IEnumerable<string> nameExpressions,
                             string nvrtcVersion, string target)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string field)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(field));
            hash.AppendData([0]);
        }
        Add($"dytox-kernel-cache/{FormatVersion}");
        Add(sourceName);
        Add(source);
        foreach (var name in headers.Keys.Order(StringComparer.Ordinal))
        {
            Add(name);
            Add(headers[name]);
        }
        Add("options");
        foreach (var option in options.Order(StringComparer.Ordinal)) Add(option);
        Add("names");
        foreach (var expr in nameExpressions.Order(StringComparer.Ordinal)) Add(expr);
        Add(nvrtcVersion);
        Add(target);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public string PathFor(string key) => Path.Combine(Directory, key + ".cubin");

    /// <summary>The payload stored under <paramref name="key"/>, or null (missing, torn or corrupt: then deleted).</summary>
    public byte[]? TryRead(string key)
    {
        var path = PathFor(key);
        byte[] bytes;
        try
        {
            if (!File.Exists(path)) return null;
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }

        if (bytes.Length >= Magic.Length + HashBytes
            && bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            var payload = bytes.AsSpan(Magic.Length + HashBytes);
            Span<byte> actual = stackalloc byte[HashBytes];
            SHA256.HashData(payload, actual);
            if (actual.SequenceEqual(bytes.AsSpan(Magic.Length, HashBytes))) return payload.ToArray();
        }
        TryDelete(path);
        return null;
    }

    /// <summary>Stores <paramref name="payload"/> under <paramref name="key"/> atomically; false if the disk refused.</summary>
    public bool TryWrite(string key, ReadOnlySpan<byte> payload)
    {
        var path = PathFor(key);
        var temp = Path.Combine(Directory, $".{key}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            Span<byte> digest = stackalloc byte[HashBytes];
            SHA256.HashData(payload, digest);
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(Magic);
                file.Write(digest);
                file.Write(payload);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            return true;
        }
        catch (IOException) { TryDelete(temp); return false; }
        catch (UnauthorizedAccessException) { TryDelete(temp); return false; }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
