using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DyTox.Tensor.IO;

/// <summary>
/// Produces the header exactly like the reference library: compact JSON with "__metadata__" first,
/// then the tensors in data order, padded with spaces to a multiple of 8 bytes so that every tensor's
/// data starts 8-byte aligned in the file.
/// </summary>
internal static class SafeTensorsHeaderWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = false,
        // serde_json escapes only quotes, backslashes and control characters; the relaxed encoder
        // keeps ASCII punctuation such as '+', '<' or '&' literal as well.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    /// <summary>
    /// Orders entries as the reference writer does: by dtype alignment (descending), then by the
    /// UTF-8 bytes of the name.
    /// </summary>
    public static List<SafeTensorEntry> LayoutOrder(IEnumerable<SafeTensorEntry> entries)
    {
        var list = entries.ToList();
        list.Sort((a, b) =>
        {
            int byType = SafeTensorDTypes.LayoutRank(b.DType).CompareTo(SafeTensorDTypes.LayoutRank(a.DType));
            return byType != 0 ? byType : CompareUtf8(a.Name, b.Name);
        });
        return list;
    }

    /// <summary>Builds the padded header for entries already in <see cref="LayoutOrder"/>.</summary>
    public static byte[] Build(IReadOnlyList<SafeTensorEntry> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            if (metadata is not null)
            {
                writer.WriteStartObject(SafeTensorsHeaderParser.MetadataKey);
                foreach (var key in metadata.Keys.OrderBy(k => k, Comparer<string>.Create(CompareUtf8)))
                    writer.WriteString(key, metadata[key]);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var entry in ordered)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", entry.DType);
                writer.WriteStartArray("shape");
                foreach (long dim in entry.Shape) writer.WriteNumberValue(dim);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + entry.Data.LongLength);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += entry.Data.LongLength;
            }
            writer.WriteEndObject();
        }
        int padding = (8 - buffer.WrittenCount % 8) % 8;
        var header = new byte[buffer.WrittenCount + padding];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static int CompareUtf8(string a, string b)
    {
        // Rust orders Strings by their UTF-8 bytes; UTF-16 ordinal order differs above U+D7FF.
        return Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));
    }
}
