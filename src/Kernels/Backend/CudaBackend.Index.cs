using System.Buffers;
using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

// Patch unfolding/folding and indexing along one axis.
public sealed unsafe partial class CudaBackend
{
    public void Im2Patch(Tensor images, int patch, Tensor patches)
    {
        var (b, c, h, w) = PatchGeometry("Im2Patch", images, nameof(images), patch, patches, nameof(patches));
        _rows.Im2Patch(patches.Address, images.Address, b, c, h, w, patch);
    }

    public void Patch2Im(Tensor dPatches, int patch, Tensor dImages)
    {
        var (b, c, h, w) = PatchGeometry("Patch2Im", dImages, nameof(dImages), patch, dPatches, nameof(dPatches));
        _rows.Patch2Im(dImages.Address, dPatches.Address, b, c, h, w, patch);
    }

    private (int B, int C, int H, int W) PatchGeometry(string op, Tensor images, string imagesName, int patch, Tensor patches, string patchesName)
    {
        RequireF32(images, op, imagesName);
        RequireF32(patches, op, patchesName);
        if (images.Rank != 4) throw new ArgumentException($"{op}: {imagesName} has shape {Shape.Format(images.Shape)}; expected [B, C, H, W].");
        if (patch <= 0) throw new ArgumentOutOfRangeException(nameof(patch), $"{op}: patch size must be positive; got {patch}.");
        int b = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        if (h % patch != 0 || w % patch != 0)
            throw new ArgumentException($"{op}: {imagesName} {Shape.Format(images.Shape)} has H and W that are not multiples of the patch size {patch}.");
        RequireShape(op, patches, patchesName, [b, (h / patch) * (w / patch), c * patch * patch]);
        return (b, c, h, w);
    }

    public void IndexSelect(Tensor x, int axis, Tensor indices, Tensor destination)
    {
        const string op = "IndexSelect";
        RequireContiguous(x, op, nameof(x));
        RequireContiguous(destination, op, nameof(destination));
        if (x.DType != destination.DType) throw new ArgumentException($"{op}: dtypes differ ({x.DType} vs {destination.DType}).");
        if (x.DType == DType.Float64) throw new NotSupportedException($"{op}: x is Float64; {Float64Message}.");
        int a = Shape.Axis(axis, x.Rank);
        int k = IndexCount(op, indices, x.Shape[a], a);
        Span<int> expected = stackalloc int[x.Rank];
        x.Shape.CopyTo(expected);
        expected[a] = k;
        RequireShape(op, destination, nameof(destination), expected);
        var (outer, extent, inner) = AroundAxis(x, a);
        _rows.IndexSelect(destination.Address, x.Address, indices.Address, outer, extent, k, inner);
    }

    public void IndexAdd(Tensor source, int axis, Tensor indices, Tensor destination)
    {
        const string op = "IndexAdd";
        RequireF32(source, op, nameof(source));
        RequireF32(destination, op, nameof(destination));
        int a = Shape.Axis(axis, destination.Rank);
        int k = IndexCount(op, indices, destination.Shape[a], a);
        Span<int> expected = stackalloc int[destination.Rank];
        destination.Shape.CopyTo(expected);
        expected[a] = k;
        RequireShape(op, source, nameof(source), expected);
        var (outer, extent, inner) = AroundAxis(destination, a);
        _rows.IndexAdd(destination.Address, source.Address, indices.Address, outer, extent, k, inner);
    }

    /// <summary>Checks indices [K] (Int32, every value in [0, extent)) on the host; returns K.</summary>
    private int IndexCount(string op, Tensor indices, int extent, int axis)
    {
        RequireContiguous(indices, op, nameof(indices));
        RequireInt32(indices, op, nameof(indices));
        if (indices.Rank != 1) throw new ArgumentException($"{op}: indices has shape {Shape.Format(indices.Shape)}; expected [K].");
        int k = indices.Shape[0];
        if (k == 0) return 0;
        var host = ArrayPool<int>.Shared.Rent(k);
        try
        {
            fixed (int* p = host) _driver.CopyDeviceToHost(p, indices.Address, (long)k * sizeof(int));
            for (int i = 0; i < k; i++)
                if ((uint)host[i] >= (uint)extent)
                    throw new ArgumentOutOfRangeException(nameof(indices), $"{op}: indices[{i}] = {host[i]} is outside [0, {extent}) of axis {axis}.");
        }
        finally
        {
            ArrayPool<int>.Shared.Return(host);
        }
        return k;
    }
}
