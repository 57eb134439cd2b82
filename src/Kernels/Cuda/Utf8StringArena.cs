using System.Runtime.InteropServices;
using System.Text;

namespace DyTox.Kernels.Cuda;

/// <summary>NUL-terminated UTF-8 copies of strings in native memory, freed together on Dispose.</summary>
internal sealed unsafe class Utf8StringArena : IDisposable
{
    private readonly List<nint> _blocks = [];

    public byte* Add(string text)
    {
        var count = Encoding.UTF8.GetByteCount(text);
        var block = (byte*)NativeMemory.Alloc((nuint)count + 1);
        _blocks.Add((nint)block);
        Encoding.UTF8.GetBytes(text, new Span<byte>(block, count));
        block[count] = 0;
        return block;
    }

    public void Dispose()
    {
        foreach (var block in _blocks) NativeMemory.Free((void*)block);
        _blocks.Clear();
    }
}
