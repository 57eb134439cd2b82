using DyTox.Autograd;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Model.Tests.Model;

/// <summary>One SAB and one TAB against tests/fixtures/{gpsa,tab}_block.safetensors (random non-init parameters; the
/// "ragged" case has D = 36 with 12 heads of 3 and heads 9–11 without local init).</summary>
public class BlockParityTests
{
    private static readonly object[] Cases =
    [
        new object[] { "small", DType.Float64 }, new object[] { "ragged", DType.Float64 },
        new object[] { "small", DType.Float32 }, new object[] { "ragged", DType.Float32 },
    ];

    private static DyToxConfig BlockConfig(int tokens, int dim, int heads) => new()
    {
        ImageSize = (int)Math.Sqrt(tokens), InChannels = 1, PatchSize = 1, EmbedDim = dim, NumHeads = heads,
        SelfAttentionBlocks = 1, TaskAttentionBlocks = 1, DropPathMax = 0,
    };

    [TestCaseSource(nameof(Cases))]
    public void GpsaBlockMatchesPyTorch(string c, DType dtype)
    {
        var f = Fixture.Load("gpsa_block.safetensors");
        var xShape = f.Shape($"{c}.x");
        int b = xShape[0], n = xShape[1], d = xShape[2], h = f.Shape($"{c}.param.attn.gating_param")[0];
        var be = CpuBackend.Instance;
        using var block = new SelfAttentionBlock(BlockConfig(n, d, h), 0, new ParameterOptions(be, dtype), new Rng(1), new Rng(2));
        f.LoadInto(block, $"{c}.param.");
        using var scope = TensorScope.Begin();
        var x = new Variable(f.Tensor($"{c}.x", be, dtype), requiresGrad: true);
        var output = block.Forward(x);
        double tol = Fixture.Tolerance(dtype);
        var tally = new ErrorTally();
        f.AssertClose(block.Attn.RelativePositions, $"{c}.act.rel_indices", 0);
        f.AssertClose(output.Value, $"{c}.out", tol, tally, "out");
        Tape.Backward(output, f.Tensor($"{c}.grad_out", be, dtype));
        f.AssertClose(x.Grad!, $"{c}.grad_x", tol, tally, "grad_x");
        AssertParameterGradients(f, block.NamedParameters(), $"{c}.grad.", tol, tally);
        tally.Report($"gpsa_block {c} {dtype}");
    }

    [TestCaseSource(nameof(Cases))]
    public void TabBlockMatchesPyTorch(string c, DType dtype)
    {
        var f = Fixture.Load("tab_block.safetensors");
        var xShape = f.Shape($"{c}.x");
        int b = xShape[0], n = xShape[1] - 1, d = xShape[2], h = f.Shape($"{c}.act.attn")[1];
        var be = CpuBackend.Instance;
        using var block = new TaskAttentionBlock(BlockConfig(n, d, h), 0, new ParameterOptions(be, dtype), new Rng(1), new Rng(2));
        f.LoadInto(block, $"{c}.param.");
        using var scope = TensorScope.Begin();
        var x = new Variable(f.Tensor($"{c}.x", be, dtype), requiresGrad: true);
        // Row 0 of every sample is that sample's task token: one task with per-sample tokens [1, B, D].
        var tokens = F.Reshape(F.Slice(x, 1, 0, 1), 1, b, d);
        var patches = F.Slice(x, 1, 1, n);
        var output = block.Forward(patches, tokens); // [1, B, D], same memory order as the fixture's [B, 1, D]
        double tol = Fixture.Tolerance(dtype);
        var tally = new ErrorTally();
        f.AssertClose(output.Value, $"{c}.out", tol, tally, "out");
        Tape.Backward(output, f.Tensor($"{c}.grad_out", be, dtype, [1, b, d]));
        f.AssertClose(x.Grad!, $"{c}.grad_x", tol, tally, "grad_x");
        AssertParameterGradients(f, block.NamedParameters(), $"{c}.grad.", tol, tally);
        tally.Report($"tab_block {c} {dtype}");
    }

    /// <summary>Compares every parameter's gradient with the fixture tensor <paramref name="keyPrefix"/> + name.</summary>
    internal static void AssertParameterGradients(Fixture f, IEnumerable<(string Name, Parameter Parameter)> parameters, string keyPrefix,
                                                  double tol, ErrorTally tally)
    {
        foreach (var (name, p) in parameters)
        {
            Assert.That(p.Grad, Is.Not.Null, $"{name} got no gradient");
            if (name.EndsWith("pos_proj.bias", StringComparison.Ordinal))
            {
                // Mathematically zero (softmax shift invariance): both sides hold rounding noise; compare its size
                // with the scale of the pos_proj weight gradient instead of relatively.
                double scale = f.Doubles($"{keyPrefix}{name[..^4]}weight").Max(Math.Abs);
                double noise = Fixture.ToDoubles(p.Grad!).Max(Math.Abs);
                Assert.That(noise, Is.LessThanOrEqualTo(tol * scale), $"{name}: {noise:E3} should be ~0");
                continue;
            }
            f.AssertClose(p.Grad!, keyPrefix + name, tol, tally, $"grad.{name}");
        }
    }
}
