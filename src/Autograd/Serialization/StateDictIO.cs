using System.Runtime.InteropServices;
using DyTox.Tensor;
using DyTox.Tensor.IO;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// State dicts as safetensors files (the checkpoint-exchange format, dytox-state-dict.md): Float32 → "F32",
/// Float64 → "F64", Int32 → "I32". Loading converts "I64" (torch labels) to Int32 and can convert every floating
/// tensor to one dtype; a 0-d tensor becomes shape [1] (the engine's scalar convention).
/// </summary>
public static class StateDictIO
{
    public static void Save(string path, StateDict state, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensorsFile.Write(path, state.Select(e => ToEntry(e.Key, e.Value)), metadata);

    /// <summary>Reads every tensor of a safetensors file onto <paramref name="backend"/>; floating tensors are
    /// converted to <paramref name="floatDType"/> when given. The returned dictionary owns its tensors.</summary>
    public static StateDict Load(string path, IBackend backend, DType? floatDType = null) =>
        FromEntries(SafeTensorsFile.Read(path), backend, floatDType);

    public static StateDict FromEntries(IEnumerable<SafeTensorEntry> entries, IBackend backend, DType? floatDType = null)
    {
        var dict = new StateDict(ownsTensors: true);
        try
        {
            foreach (var e in entries) dict.Add(e.Name, FromEntry(e, backend, floatDType));
        }
        catch
        {
            dict.Dispose();
            throw;
        }
        return dict;
    }

    public static SafeTensorEntry ToEntry(string name, TensorT tensor)
    {
        string dtype = tensor.DType switch
        {
            DType.Float32 => SafeTensorDTypes.F32,
            DType.Float64 => SafeTensorDTypes.F64,
            DType.Int32 => SafeTensorDTypes.I32,
            _ => throw new NotSupportedException($"tensor '{name}' has dtype {tensor.DType}, which has no safetensors mapping."),
        };
        var bytes = new byte[tensor.Numel * tensor.DType.Size()];
        using (var dense = tensor.Contiguous()) dense.Backend.CopyToHost(dense, bytes);
        return new SafeTensorEntry(name, dtype, tensor.Shape.ToArray().Select(d => (long)d).ToArray(), bytes);
    }

    /// <summary>One entry as a new tensor (not owned by any scope).</summary>
    public static TensorT FromEntry(SafeTensorEntry entry, IBackend backend, DType? floatDType = null)
    {
        var shape = entry.Shape.Length == 0 ? [1] : entry.Shape.Select(d => checked((int)d)).ToArray();
        DType stored = entry.DType switch
        {
            SafeTensorDTypes.F32 => DType.Float32,
            SafeTensorDTypes.F64 => DType.Float64,
            SafeTensorDTypes.I32 or SafeTensorDTypes.I64 => DType.Int32,
            _ => throw new NotSupportedException($"tensor '{entry.Name}' is {entry.DType}; only F32, F64, I32 and I64 can be loaded."),
        };
        DType target = stored.IsFloating() && floatDType is { } f ? f : stored;
        var tensor = TensorScope.Unscoped(() => backend.Empty(target, shape));
        try
        {
            if (entry.DType == SafeTensorDTypes.I64)
            {
                var ints = SafeTensorConvert.AsInt64s(entry).ToArray().Select(v => checked((int)v)).ToArray();
                backend.CopyFromHost(MemoryMarshal.AsBytes(ints.AsSpan()), tensor);
            }
            else if (target == stored)
            {
                backend.CopyFromHost(entry.Data, tensor);
            }
            else
            {
                var values = stored == DType.Float64 ? SafeTensorConvert.ToDoubles(entry) : Array.ConvertAll(SafeTensorConvert.ToSingles(entry), v => (double)v);
                Init.Write(tensor, values);
            }
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
        return tensor;
    }
}
