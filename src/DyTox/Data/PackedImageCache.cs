using System.IO.MemoryMappedFiles;

namespace DyTox.Data;

/// <summary>
/// A packed image cache (<see cref="PackedImageCacheFormat"/>) memory-mapped read-only: an <see cref="ImageDataset"/>
/// of HWC images, each with its own aspect ratio and shorter side <see cref="ShorterSide"/>, whose pages the OS loads
/// on demand and shares between processes. <see cref="ImageDataset.Height"/>/<see cref="ImageDataset.Width"/> are the
/// smallest height and width of any image. Dispose to unmap. <see cref="GetImage"/> is safe to call from several threads.
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
        Height = header.Index.Min(e => e.Height);
        Width = header.Index.Min(e => e.Width);
        UniformSize = header.Index.All(e => e.Height == header.Index[0].Height && e.Width == header.Index[0].Width);
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

    /// <summary>
    /// Opens and checks <paramref name="path"/> (magic, version, header, index, file length); a file of another format
    /// version throws <see cref="PackedImageCacheVersionException"/>.
    /// </summary>
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
    /// <summary>S: every image was resized so that its shorter side is S (aspect ratio kept).</summary>
    public int ShorterSide => _header.ShorterSide;

    public override int Height { get; }
    public override int Width { get; }
    public override bool UniformSize { get; }
    public override int Channels => _header.Channels;
    public override PixelLayout Layout => PixelLayout.Hwc;
    public override IReadOnlyList<int> Labels => _header.Labels;
    public override IReadOnlyList<string> ClassNames => _header.ClassNames;

    public override (int Height, int Width) ImageShape(int index)
    {
        CheckIndex(index);
        var entry = _header.Index[index];
        return (entry.Height, entry.Width);
    }

    public override ReadOnlySpan<byte> GetImage(int index)
    {
        CheckIndex(index);
        ObjectDisposedException.ThrowIf(_base is null, this);
        var entry = _header.Index[index];
        return new ReadOnlySpan<byte>(_base + _header.DataOffset + entry.Offset, (int)PackedImageCacheFormat.Header.ImageBytes(entry, Channels));
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
