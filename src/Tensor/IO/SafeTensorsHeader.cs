namespace DyTox.Tensor.IO;

/// <summary>One tensor's header record: where its bytes lie relative to the start of the data buffer.</summary>
internal sealed record SafeTensorHeaderEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>The decoded JSON header: tensor records (in file order once validated) and optional metadata.</summary>
internal sealed record SafeTensorsHeader(
    IReadOnlyList<SafeTensorHeaderEntry> Tensors,
    IReadOnlyDictionary<string, string>? Metadata);
