using System.Buffers.Binary;
using System.Text;

namespace DyTox.Tensor.Tests.IO;

/// <summary>Builds raw safetensors byte images (possibly malformed) for the reader tests.</summary>
internal static class SafeTensorsTestFiles
{
    public static byte[] Build(string headerJson, byte[] data) => Build(Encoding.UTF8.GetBytes(headerJson), data);

    public static byte[] Build(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }
}
