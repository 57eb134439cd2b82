using DyTox.Tensor;
using DyTox.Tensor.IO;
using static DyTox.Autograd.Tests.TestSupport;

namespace DyTox.Autograd.Tests;

/// <summary>
/// Parity with the float64 PyTorch reference blocks of tests/fixtures (tools/make_fixtures.py): a GPSA block and a
/// task-attention block built from the autograd ops, loaded by state-dict name, must reproduce the reference output,
/// input gradient and every parameter gradient.
/// </summary>
public class PyTorchFixtureTests
{
    private static readonly ParameterOptions F64 = new(Cpu, DType.Float64);

    private static string Fixture(string file)
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", file);
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Ignore($"fixture {file} not found above {TestContext.CurrentContext.TestDirectory}");
        return "";
    }

    private static StateDict Parameters(SafeTensorsContent content, string prefix)
    {
        var entries = content.Tensors.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(e => e with { Name = e.Name[prefix.Length..] });
        return StateDictIO.FromEntries(entries, Cpu);
    }

    private static void AssertClose(Tensor.Tensor actual, SafeTensorEntry expected, string what, double relative = 1e-10, double absolute = 1e-13)
    {
        var e = SafeTensorConvert.ToDoubles(expected);
        var a = actual.ToArray<double>();
        Assert.That(a, Has.Length.EqualTo(e.Length), what);
        double scale = e.Max(Math.Abs), diff = 0;
        for (int i = 0; i < a.Length; i++) diff = Math.Max(diff, Math.Abs(a[i] - e[i]));
        Assert.That(diff, Is.LessThanOrEqualTo(Math.Max(relative * scale, absolute)), $"{what}: max |diff| {diff:E2}, max |expected| {scale:E2}");
    }

    [TestCase("small", 9)]
    [TestCase("ragged", 12)]
    public void GpsaBlockMatchesPyTorch(string name, int heads)
    {
        var content = SafeTensorsFile.Load(Fixture("gpsa_block.safetensors"));
        using var scope = TensorScope.Begin();
        var x = new Variable(StateDictIO.FromEntry(content[$"{name}.x"], Cpu), requiresGrad: true);
        int n = x.Size(1), d = x.Size(2);
        using var block = new TinyTransformer.GpsaBlock(d, heads, F64, new Rng(1), dropPath: 0);
        using (var state = Parameters(content, $"{name}.param.")) block.LoadStateDict(state);
        var rel = F.GpsaRelativePositions(n, Cpu, DType.Float64);
        AssertClose(rel, content[$"{name}.act.rel_indices"], "relative positions", 0, 0);

        var output = block.Forward(x, rel);
        AssertClose(output.Value, content[$"{name}.out"], "output");
        Tape.Backward(output, StateDictIO.FromEntry(content[$"{name}.grad_out"], Cpu));
        AssertClose(x.Grad!, content[$"{name}.grad_x"], "grad x");
        foreach (var (param, p) in block.NamedParameters())
            AssertClose(p.Grad!, content[$"{name}.grad.{param}"], $"grad {param}");
    }

    [TestCase("small", 9)]
    [TestCase("ragged", 12)]
    public void TaskAttentionBlockMatchesPyTorch(string name, int heads)
    {
        var content = SafeTensorsFile.Load(Fixture("tab_block.safetensors"));
        using var scope = TensorScope.Begin();
        var x = new Variable(StateDictIO.FromEntry(content[$"{name}.x"], Cpu), requiresGrad: true);
        int n = x.Size(1) - 1, d = x.Size(2);
        using var block = new TinyTransformer.TaskBlock(d, heads, F64, new Rng(1), dropPath: 0);
        using (var state = Parameters(content, $"{name}.param.")) block.LoadStateDict(state);

        var output = block.Forward(F.Slice(x, 1, 0, 1), F.Slice(x, 1, 1, n));
        AssertClose(output.Value, content[$"{name}.out"], "output");
        Tape.Backward(output, StateDictIO.FromEntry(content[$"{name}.grad_out"], Cpu));
        AssertClose(x.Grad!, content[$"{name}.grad_x"], "grad x");
        foreach (var (param, p) in block.NamedParameters())
            AssertClose(p.Grad!, content[$"{name}.grad.{param}"], $"grad {param}");
    }

    [Test]
    public void StateDictSurvivesASafetensorsRoundTrip()
    {
        using var model = new TinyTransformer(new ParameterOptions(Cpu, DType.Float32), seed: 8);
        string path = Path.Combine(Path.GetTempPath(), $"autograd-{Guid.NewGuid():N}.safetensors");
        try
        {
            StateDictIO.Save(path, model.StateDict(), new Dictionary<string, string> { ["format"] = "test" });
            using var copy = new TinyTransformer(new ParameterOptions(Cpu, DType.Float64), seed: 9);
            using (var loaded = StateDictIO.Load(path, Cpu, DType.Float64))
            {
                Assert.That(loaded.Count, Is.EqualTo(model.NamedParameters().Count()));
                copy.LoadStateDict(loaded);
            }
            foreach (var ((name, a), (_, b)) in model.NamedParameters().Zip(copy.NamedParameters()))
                Assert.That(b.Value.ToArray<double>(), Is.EqualTo(a.Value.ToArray<float>().Select(v => (double)v).ToArray()), name);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
