using System.IO.MemoryMappedFiles;

namespace DyTox.Data;

/// <summary>
/// A packed image cache (<see cref="PackedImageCacheFormat"/>) memory-mapped read-only: an <see cref="ImageDataset"/>
/// of S×S×3 HWC images whose pages the OS loads on demand and shares between processes. Dispose to unmap.
/// <see cref="GetImage"/> is safe to call from several threads.
/// </summary>
public sealed unsafe class PackedImageCache : ImageDataset, IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly PackedImageCacheFormat.Header _header;
    private byte* _base;

    private PackedImageCache(string path, string name, PackedImageCacheFormat.Header header)
    {
        Path = path;
        Name = name;
        _header = header;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        try
        {
            _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _base);
            _base += _view.PointerOffset;
        }
        catch
        {
            _view?.Dispose();
            _file.Dispose();
            throw;
        }
    }

    /// <summary>Opens and checks <paramref name="path"/> (magic, version, header, file length).</summary>
    public static PackedImageCache Open(string path, string? name = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: packed image cache not found.", path);
        }
        var header = PackedImageCacheFormat.Read(path);
        return new PackedImageCache(path, name ?? System.IO.Path.GetFileNameWithoutExtension(path), header);
    }

    public string Path { get; }

    /// <summary>SHA-256 of the sample list the cache was built from.</summary>
    public ReadOnlySpan<byte> ListHash => _header.ListHash;

    public override string Name { get; }
    public override int Count => _header.Count;
    public override int Height => _header.Height;
    public override int Width => _header.Width;
    public override int Channels => _header.Channels;
    public override PixelLayout Layout => PixelLayout.Hwc;
    public override IReadOnlyList<int> Labels => _header.Labels;
    public override IReadOnlyList<string> ClassNames => _header.ClassNames;

    public override ReadOnlySpan<byte> GetImage(int index)
    {
        CheckIndex(index);
        ObjectDisposedException.ThrowIf(_base is null, this);
        long size = _header.ImageSize;
        return new ReadOnlySpan<byte>(_base + _header.DataOffset + index * size, (int)size);
    }

    public void Dispose()
    {
        if (_base is not null)
        {
            _base = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        _view.Dispose();
        _file.Dispose();
    }
}
