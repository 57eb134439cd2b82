using System.Numerics;

namespace DyTox.Tensor.Cpu;

// Gathers and scatter-adds along one axis with Int32 indices.
public sealed unsafe partial class CpuBackend
{
    public void IndexSelect(Tensor x, int axis, Tensor indices, Tensor destination)
    {
        const string op = "IndexSelect";
        RequireContiguous((x, nameof(x)), (indices, nameof(indices)), (destination, nameof(destination)));
        RequireSameDType(x, destination, op);
        int a = Shape.Axis(axis, x.Rank);
        int k = IndexCount(op, indices);
        var expected = x.ShapeArray();
        expected[a] = k;
        RequireShape(op, destination, nameof(destination), expected);
        var (outer, extent, inner) = AroundAxis(x, a);
        int* idx = (int*)indices.Address;
        CheckIndices(op, idx, k, extent, a);
        int size = x.DType.Size();
        byte* src = (byte*)x.Address, dst = (byte*)destination.Address;
        long rowBytes = (long)inner * size;
        CpuParallel.For(outer * k, inner, (begin, end) =>
        {
            for (int ok = begin; ok < end; ok++)
            {
                int o = ok / k, i = ok % k;
                Buffer.MemoryCopy(src + ((long)o * extent + idx[i]) * rowBytes, dst + (long)ok * rowBytes, rowBytes, rowBytes);
            }
        });
    }

    public void IndexAdd(Tensor source, int axis, Tensor indices, Tensor destination)
    {
        const string op = "IndexAdd";
        RequireContiguous((source, nameof(source)), (indices, nameof(indices)), (destination, nameof(destination)));
        var dtype = FloatingDType(op, destination, nameof(destination), (source, nameof(source)));
        int a = Shape.Axis(axis, destination.Rank);
        int k = IndexCount(op, indices);
        var expected = destination.ShapeArray();
        expected[a] = k;
        RequireShape(op, source, nameof(source), expected);
        var (outer, extent, inner) = AroundAxis(destination, a);
        int* idx = (int*)indices.Address;
        CheckIndices(op, idx, k, extent, a);
        if (dtype == DType.Float32) IndexAddImpl((float*)source.Address, idx, k, (float*)destination.Address, outer, extent, inner);
        else IndexAddImpl((double*)source.Address, idx, k, (double*)destination.Address, outer, extent, inner);
    }

    private static int IndexCount(string op, Tensor indices)
    {
        RequireInt32(op, indices, nameof(indices));
        if (indices.Rank != 1) throw new ArgumentException($"{op}: indices has shape {Shape.Format(indices.Shape)}; expected [K].");
        return indices.Shape[0];
    }

    private static void CheckIndices(string op, int* idx, int k, int extent, int axis)
    {
        for (int i = 0; i < k; i++)
            if ((uint)idx[i] >= (uint)extent)
                throw new ArgumentOutOfRangeException("indices", $"{op}: indices[{i}] = {idx[i]} is outside [0, {extent}) of axis {axis}.");
    }

    private static void IndexAddImpl<T>(T* src, int* idx, int k, T* dst, int outer, int extent, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Work items are (outer, column block); inside one, i runs in increasing order, so repeated indices
        // accumulate in a fixed order and no two threads touch the same element.
        const int Block = 1024;
        int blocks = CpuParallel.ChunkCount(inner, Block);
        CpuParallel.For(outer * blocks, (long)k * Math.Min(Block, inner), (begin, end) =>
        {
            for (int ob = begin; ob < end; ob++)
            {
                int o = ob / blocks, c0 = ob % blocks * Block, len = Math.Min(Block, inner - c0);
                for (int i = 0; i < k; i++)
                    Simd.AddInPlace(dst + ((long)o * extent + idx[i]) * inner + c0, src + ((long)o * k + i) * inner + c0, len);
            }
        });
    }
}
