using BenchmarkDotNet.Running;
using DyTox.Bench.Common;

namespace DyTox.Bench.Attention;

/// <summary>GFLOP/s from the counted multiply-add FLOPs of <see cref="IFlopCounted"/> and the mean (or best) time.</summary>
public sealed class GflopsColumn(bool best) : RateColumn("GFLOPs", "GFLOP/s", "counted multiply-add FLOPs", best, useMean: true)
{
    protected override double? WorkPerNanosecondUnit(BenchmarkCase benchmarkCase)
    {
        var instance = (IFlopCounted)Activator.CreateInstance(benchmarkCase.Descriptor.Type)!;
        foreach (var p in benchmarkCase.Parameters.Items)
            benchmarkCase.Descriptor.Type.GetProperty(p.Name)?.SetValue(instance, p.Value);
        return instance.Flops(benchmarkCase.Descriptor.WorkloadMethod.Name);
    }
}

/// <summary>Benchmarks that know how many FLOPs one invocation of a method performs.</summary>
public interface IFlopCounted
{
    double Flops(string method);
}
