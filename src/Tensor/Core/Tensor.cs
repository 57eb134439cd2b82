using System.Runtime.CompilerServices;

namespace DyTox.Tensor;

/// <summary>
/// A strided view of a <see cref="Storage"/>: dtype, shape, strides (in elements) and an element offset.
/// View operations (reshape, permute, transpose, slice, expand, …) share the storage and copy nothing;
/// <see cref="Contiguous"/> copies when needed. Disposing a tensor releases its reference to the storage;
/// the storage returns to its pool when the last view is gone. A tensor created while a
/// <see cref="TensorScope"/> is active is disposed with that scope unless detached from it.
/// </summary>
public sealed class Tensor : IDisposable
{
    private readonly int[] shape;
    private readonly long[] strides;
    private int disposed;

    internal Tensor(Storage storage, long offset, int[] shape, long[] strides, bool retain)
    {
        if (retain) storage.Retain();
        Storage = storage;
        Offset = offset;
        this.shape = shape;
        this.strides = strides;
        Numel = DyTox.Tensor.Shape.Numel(shape);
        TensorScope.Register(this);
    }

    public Storage Storage { get; }
    public IBackend Backend => Storage.Backend;
    public DType DType => Storage.DType;
    public Device Device => Storage.Allocator.Device;

    /// <summary>Offset of element [0, …, 0] in the storage, in elements.</summary>
    public long Offset { get; }
    public ReadOnlySpan<int> Shape => shape;
    public ReadOnlySpan<long> Strides => strides;
    public int Rank => shape.Length;
    public long Numel { get; }
    public bool IsDisposed => disposed != 0;

    /// <summary>Address of element [0, …, 0] (host pointer on the CPU, device address on CUDA).</summary>
    public ulong Address
    {
        get
        {
            ThrowIfDisposed();
            return Storage.Address + (ulong)(Offset * DType.Size());
        }
    }

    public int Size(int axis) => shape[DyTox.Tensor.Shape.Axis(axis, Rank)];
    public int[] ShapeArray() => (int[])shape.Clone();

    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int i = Rank - 1; i >= 0; i--)
            {
                if (shape[i] != 1 && strides[i] != expected) return false;
                expected *= shape[i];
            }
            return true;
        }
    }

    // ---- views -------------------------------------------------------------------------------

    /// <summary>Same elements, new shape; one extent may be -1. Requires a contiguous tensor.</summary>
    public Tensor Reshape(params int[] newShape)
    {
        ThrowIfDisposed();
        var resolved = ResolveReshape(newShape);
        if (!IsContiguous)
            throw new InvalidOperationException($"Reshape of a non-contiguous tensor {Describe()}; call Contiguous() first.");
        return new Tensor(Storage, Offset, resolved, DyTox.Tensor.Shape.ContiguousStrides(resolved), retain: true);
    }

    /// <summary>Reorders axes: result axis i is this tensor's axis <paramref name="order"/>[i].</summary>
    public Tensor Permute(params int[] order)
    {
        ThrowIfDisposed();
        if (order.Length != Rank) throw new ArgumentException($"Permute order has {order.Length} axes; tensor {Describe()} has {Rank}.");
        var seen = new bool[Rank];
        var newShape = new int[Rank];
        var newStrides = new long[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int a = DyTox.Tensor.Shape.Axis(order[i], Rank);
            if (seen[a]) throw new ArgumentException($"Permute order [{string.Join(", ", order)}] repeats axis {a}.");
            seen[a] = true;
            newShape[i] = shape[a];
            newStrides[i] = strides[a];
        }
        return new Tensor(Storage, Offset, newShape, newStrides, retain: true);
    }

    public Tensor Transpose(int axis0, int axis1)
    {
        var order = Enumerable.Range(0, Rank).ToArray();
        int a = DyTox.Tensor.Shape.Axis(axis0, Rank), b = DyTox.Tensor.Shape.Axis(axis1, Rank);
        (order[a], order[b]) = (order[b], order[a]);
        return Permute(order);
    }

    /// <summary>Elements [start, start + length) along <paramref name="axis"/>.</summary>
    public Tensor Slice(int axis, int start, int length)
    {
        ThrowIfDisposed();
        int a = DyTox.Tensor.Shape.Axis(axis, Rank);
        if (start < 0 || length < 0 || start + length > shape[a])
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {start + length}) is outside axis {a} of extent {shape[a]} in {Describe()}.");
        var newShape = ShapeArray();
        newShape[a] = length;
        return new Tensor(Storage, Offset + start * strides[a], newShape, (long[])strides.Clone(), retain: true);
    }

    /// <summary>Index <paramref name="index"/> along <paramref name="axis"/>, dropping that axis.</summary>
    public Tensor Select(int axis, int index)
    {
        int a = DyTox.Tensor.Shape.Axis(axis, Rank);
        using var s = Slice(a, index, 1);
        return s.Squeeze(a);
    }

    /// <summary>Broadcast view: extents of 1 (or new leading axes) become <paramref name="newShape"/> with stride 0.</summary>
    public Tensor Expand(params int[] newShape)
    {
        ThrowIfDisposed();
        if (newShape.Length < Rank) throw new ArgumentException($"Expand to {DyTox.Tensor.Shape.Format(newShape)} has fewer axes than {Describe()}.");
        var newStrides = new long[newShape.Length];
        int lead = newShape.Length - Rank;
        for (int i = 0; i < newShape.Length; i++)
        {
            if (i < lead) { newStrides[i] = 0; continue; }
            int d = shape[i - lead];
            if (d == newShape[i]) newStrides[i] = strides[i - lead];
            else if (d == 1) newStrides[i] = 0;
            else throw new ArgumentException($"cannot expand {Describe()} to {DyTox.Tensor.Shape.Format(newShape)}.");
        }
        return new Tensor(Storage, Offset, (int[])newShape.Clone(), newStrides, retain: true);
    }

    public Tensor Unsqueeze(int axis)
    {
        int a = DyTox.Tensor.Shape.Axis(axis, Rank + 1);
        var newShape = new List<int>(shape);
        var newStrides = new List<long>(strides);
        newShape.Insert(a, 1);
        newStrides.Insert(a, a < Rank ? strides[a] * shape[a] : 1);
        ThrowIfDisposed();
        return new Tensor(Storage, Offset, newShape.ToArray(), newStrides.ToArray(), retain: true);
    }

    public Tensor Squeeze(int axis)
    {
        int a = DyTox.Tensor.Shape.Axis(axis, Rank);
        if (shape[a] != 1) throw new ArgumentException($"cannot squeeze axis {a} of extent {shape[a]} in {Describe()}.");
        var newShape = new List<int>(shape);
        var newStrides = new List<long>(strides);
        newShape.RemoveAt(a);
        newStrides.RemoveAt(a);
        ThrowIfDisposed();
        return new Tensor(Storage, Offset, newShape.ToArray(), newStrides.ToArray(), retain: true);
    }

    /// <summary>Another reference to the same view (its own lifetime).</summary>
    public Tensor Alias()
    {
        ThrowIfDisposed();
        return new Tensor(Storage, Offset, ShapeArray(), (long[])strides.Clone(), retain: true);
    }

    /// <summary>This tensor if contiguous (as a new alias), else a contiguous copy.</summary>
    public Tensor Contiguous()
    {
        if (IsContiguous) return Alias();
        var copy = Backend.Empty(DType, shape);
        Backend.Copy(this, copy);
        return copy;
    }

    // ---- host access ---------------------------------------------------------------------------

    /// <summary>The elements of a contiguous CPU tensor, in place.</summary>
    public unsafe Span<T> Span<T>() where T : unmanaged
    {
        ThrowIfDisposed();
        if (Device.Kind != DeviceKind.Cpu) throw new InvalidOperationException($"Span<T> needs a CPU tensor; {Describe()} is on {Device}.");
        if (DTypeExtensions.Of<T>() != DType) throw new InvalidOperationException($"Span<{typeof(T).Name}> of a {DType} tensor.");
        if (!IsContiguous) throw new InvalidOperationException($"Span<T> needs a contiguous tensor; {Describe()} is strided.");
        return new Span<T>((void*)Address, checked((int)Numel));
    }

    /// <summary>A copy of the elements in row-major order, from any device and any layout.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        ThrowIfDisposed();
        if (DTypeExtensions.Of<T>() != DType) throw new InvalidOperationException($"ToArray<{typeof(T).Name}> of a {DType} tensor.");
        var result = new T[Numel];
        using var dense = Contiguous();
        dense.Backend.CopyToHost(dense, System.Runtime.InteropServices.MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    /// <summary>The single element of a one-element tensor, as double.</summary>
    public double Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item() needs one element; {Describe()} has {Numel}.");
        return DType switch
        {
            DType.Float32 => ToArray<float>()[0],
            DType.Float64 => ToArray<double>()[0],
            DType.Int32 => ToArray<int>()[0],
            _ => throw new NotSupportedException(),
        };
    }

    public string Describe() => $"{DType} {DyTox.Tensor.Shape.Format(shape)} on {Device}";
    public override string ToString() => $"Tensor({Describe()})";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ThrowIfDisposed()
    {
        if (disposed != 0) throw new ObjectDisposedException(nameof(Tensor), $"tensor {DyTox.Tensor.Shape.Format(shape)} was used after Dispose.");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0) Storage.Release();
    }

    private int[] ResolveReshape(int[] newShape)
    {
        var resolved = (int[])newShape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Reshape {DyTox.Tensor.Shape.Format(newShape)} has more than one -1.");
                infer = i;
            }
            else known *= resolved[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Numel % known != 0) throw new ArgumentException($"cannot reshape {Describe()} to {DyTox.Tensor.Shape.Format(newShape)}.");
            resolved[infer] = (int)(Numel / known);
        }
        if (DyTox.Tensor.Shape.Numel(resolved) != Numel) throw new ArgumentException($"cannot reshape {Describe()} ({Numel} elements) to {DyTox.Tensor.Shape.Format(newShape)}.");
        return resolved;
    }

    /// <summary>
    /// A new contiguous tensor on fresh storage rented from <paramref name="allocator"/>. For backend
    /// implementations (their <see cref="IBackend.Empty"/>); users call <c>backend.Empty</c>.
    /// </summary>
    public static Tensor Allocate(IBackend backend, IStorageAllocator allocator, DType dtype, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(allocator);
        DyTox.Tensor.Shape.Validate(shape);
        var dims = shape.ToArray();
        return OnNewStorage(new Storage(backend, allocator, dtype, DyTox.Tensor.Shape.Numel(dims)), dims);
    }

    internal static Tensor OnNewStorage(Storage storage, int[] shape) =>
        new(storage, 0, shape, DyTox.Tensor.Shape.ContiguousStrides(shape), retain: false);
}
