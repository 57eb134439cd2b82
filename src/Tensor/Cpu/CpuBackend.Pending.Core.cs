namespace DyTox.Tensor.Cpu;

// TEMPORARY during parallel development: ops not yet implemented (owner: cpu-ops helper). Each op moves to its
// own family file when implemented; this file is deleted when empty.
public sealed partial class CpuBackend
{
}
