using System.Runtime.CompilerServices;

// Tests force the managed kernel family and worker count; the benchmarks pick the OpenBLAS batching strategy.
[assembly: InternalsVisibleTo("DyTox.Tensor.Tests")]
[assembly: InternalsVisibleTo("DyTox.Bench")]
