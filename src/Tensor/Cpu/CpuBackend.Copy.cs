namespace DyTox.Tensor.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Copy(Tensor source, Tensor destination)
    {
        source.ThrowIfDisposed();
        destination.ThrowIfDisposed();
        RequireSameDType(source, destination, "Copy");
        if (!source.Shape.SequenceEqual(destination.Shape))
            throw new ArgumentException($"Copy: source {source.Describe()} and destination {destination.Describe()} differ in shape.");
        switch (source.DType.Size())
        {
            case 4: StridedCopy<int>(source, destination); break;
            case 8: StridedCopy<long>(source, destination); break;
            default: throw new NotSupportedException(source.DType.ToString());
        }
    }

    public void Cast(Tensor source, Tensor destination)
    {
        RequireCpuContiguous(source, nameof(source));
        RequireCpuContiguous(destination, nameof(destination));
        if (!source.Shape.SequenceEqual(destination.Shape))
            throw new ArgumentException($"Cast: source {source.Describe()} and destination {destination.Describe()} differ in shape.");
        long n = source.Numel;
        for (long i = 0; i < n; i++) Write(destination, i, Read(source, i));
    }

    private static double Read(Tensor t, long i) => t.DType switch
    {
        DType.Float32 => ((float*)t.Address)[i],
        DType.Float64 => ((double*)t.Address)[i],
        DType.Int32 => ((int*)t.Address)[i],
        _ => throw new NotSupportedException(t.DType.ToString()),
    };

    private static void Write(Tensor t, long i, double value)
    {
        switch (t.DType)
        {
            case DType.Float32: ((float*)t.Address)[i] = (float)value; break;
            case DType.Float64: ((double*)t.Address)[i] = value; break;
            case DType.Int32: ((int*)t.Address)[i] = checked((int)Math.Round(value)); break;
            default: throw new NotSupportedException(t.DType.ToString());
        }
    }

    /// <summary>Copies between arbitrary strided layouts: rows of the innermost axis are copied with a
    /// tight loop (a block copy when both are unit-stride), outer axes by an odometer over indices.</summary>
    private static void StridedCopy<T>(Tensor source, Tensor destination) where T : unmanaged
    {
        int rank = source.Rank;
        T* src = (T*)source.Address, dst = (T*)destination.Address;
        if (rank == 0 || source.Numel == 0)
        {
            if (source.Numel == 1) *dst = *src;
            return;
        }
        if (source.IsContiguous && destination.IsContiguous)
        {
            new ReadOnlySpan<T>(src, (int)source.Numel).CopyTo(new Span<T>(dst, (int)source.Numel));
            return;
        }
        var shape = source.Shape;
        var ss = source.Strides;
        var ds = destination.Strides;
        int inner = shape[rank - 1];
        long sInner = ss[rank - 1], dInner = ds[rank - 1];
        long rows = source.Numel / inner;
        Span<int> index = stackalloc int[rank];
        for (long r = 0; r < rows; r++)
        {
            long so = 0, dof = 0;
            for (int a = 0; a < rank - 1; a++) { so += index[a] * ss[a]; dof += index[a] * ds[a]; }
            T* s = src + so;
            T* d = dst + dof;
            if (sInner == 1 && dInner == 1) new ReadOnlySpan<T>(s, inner).CopyTo(new Span<T>(d, inner));
            else for (int i = 0; i < inner; i++) d[i * dInner] = s[i * sInner];
            for (int a = rank - 2; a >= 0; a--)
            {
                if (++index[a] < shape[a]) break;
                index[a] = 0;
            }
        }
    }
}
