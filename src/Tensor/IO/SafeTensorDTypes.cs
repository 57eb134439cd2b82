namespace DyTox.Tensor.IO;

/// <summary>
/// The safetensors dtype names this project reads and writes, with their element sizes and the
/// ordering the reference (Rust/Python) library uses to lay tensors out in the data buffer.
/// </summary>
public static class SafeTensorDTypes
{
    public const string F64 = "F64";
    public const string F32 = "F32";
    public const string F16 = "F16";
    public const string BF16 = "BF16";
    public const string I64 = "I64";
    public const string I32 = "I32";
    public const string I16 = "I16";
    public const string I8 = "I8";
    public const string U8 = "U8";
    public const string Bool = "BOOL";

    // Position in the reference library's `Dtype` enum (declared in increasing alignment order:
    // BOOL, U8, I8, I16, F16, BF16, I32, F32, F64, I64). Its writer sorts tensors by this rank,
    // descending, then by name; reproducing it makes our files byte-identical to the library's.
    private static readonly Dictionary<string, (int Size, int Rank)> Known = new(StringComparer.Ordinal)
    {
        [Bool] = (1, 0),
        [U8] = (1, 1),
        [I8] = (1, 2),
        [I16] = (2, 5),
        [F16] = (2, 7),
        [BF16] = (2, 8),
        [I32] = (4, 9),
        [F32] = (4, 11),
        [F64] = (8, 12),
        [I64] = (8, 13),
    };

    /// <summary>All supported dtype names.</summary>
    public static IReadOnlyCollection<string> All => Known.Keys;

    /// <summary>True when <paramref name="dtype"/> is one of the supported names (case-sensitive).</summary>
    public static bool IsKnown(string dtype) => Known.ContainsKey(dtype);

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    /// <exception cref="ArgumentException">The dtype is not supported.</exception>
    public static int ElementSize(string dtype) => Lookup(dtype).Size;

    /// <summary>Rank in the reference library's dtype ordering (larger = written first).</summary>
    internal static int LayoutRank(string dtype) => Lookup(dtype).Rank;

    private static (int Size, int Rank) Lookup(string dtype)
    {
        ArgumentNullException.ThrowIfNull(dtype);
        if (Known.TryGetValue(dtype, out var info)) return info;
        throw new ArgumentException(
            $"Unknown safetensors dtype '{dtype}'; expected one of {string.Join(", ", Known.Keys)}.",
            nameof(dtype));
    }
}
