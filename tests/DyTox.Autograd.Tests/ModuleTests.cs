using DyTox.Tensor;
using static DyTox.Autograd.Tests.TestSupport;

namespace DyTox.Autograd.Tests;

public class ModuleTests
{
    private sealed class Block : Module
    {
        public Block(int d, ParameterOptions o, Rng rng)
        {
            Norm1 = RegisterModule("norm1", new LayerNorm(d, o));
            Mlp = RegisterModule("mlp", new Mlp(d, 2 * d, d, o, rng, LinearInit.TruncNormal()));
            DropPath = RegisterModule("drop_path", new DropPath(0.1, rng.Fork("dp")));
        }

        public LayerNorm Norm1 { get; }
        public Mlp Mlp { get; }
        public DropPath DropPath { get; }

        public Variable Forward(Variable x) => F.Add(x, DropPath.Forward(Mlp.Forward(Norm1.Forward(x))));
    }

    private sealed class Net : Module
    {
        public Net(ParameterOptions o, Rng rng)
        {
            Patch = RegisterModule("patch_embed", new PatchEmbed(3, 8, 4, o, rng));
            Blocks = RegisterModule("blocks", new ModuleList<Block>([new Block(8, o, rng), new Block(8, o, rng)]));
            Tokens = RegisterModule("task_tokens", new ParameterList());
            Tokens.Add(o.Create(1, 1, 8));
            Head = RegisterModule("head", new Linear(8, 5, o, rng));
        }

        public PatchEmbed Patch { get; }
        public ModuleList<Block> Blocks { get; }
        public ParameterList Tokens { get; }
        public Linear Head { get; }
    }

    private static readonly ParameterOptions F64 = new(Cpu, DType.Float64);

    [Test]
    public void DottedNamesFollowRegistrationOrder()
    {
        using var net = new Net(F64, new Rng(1));
        var names = net.NamedParameters().Select(p => p.Name).ToArray();
        Assert.That(names, Is.EqualTo(new[]
        {
            "patch_embed.proj.weight", "patch_embed.proj.bias",
            "blocks.0.norm1.weight", "blocks.0.norm1.bias",
            "blocks.0.mlp.fc1.weight", "blocks.0.mlp.fc1.bias", "blocks.0.mlp.fc2.weight", "blocks.0.mlp.fc2.bias",
            "blocks.1.norm1.weight", "blocks.1.norm1.bias",
            "blocks.1.mlp.fc1.weight", "blocks.1.mlp.fc1.bias", "blocks.1.mlp.fc2.weight", "blocks.1.mlp.fc2.bias",
            "task_tokens.0", "head.weight", "head.bias",
        }));
        Assert.That(net.GetParameter("patch_embed.proj.weight").Shape.ToArray(), Is.EqualTo(new[] { 8, 3, 4, 4 }));
        Assert.That(net.ParameterCount, Is.EqualTo(8 * 48 + 8 + 2 * (16 + 8 * 16 + 16 + 16 * 8 + 8) + 8 + 45));
    }

    [Test]
    public void TrainEvalPropagatesAndTheGuardRestores()
    {
        using var net = new Net(F64, new Rng(1));
        net.Blocks[1].Eval();
        using (net.TrainingMode(false))
            Assert.That(net.NamedModules().All(m => !m.Module.Training), Is.True);
        Assert.That(net.Blocks[0].DropPath.Training, Is.True);
        Assert.That(net.Blocks[1].DropPath.Training, Is.False);
        net.Train();
        Assert.That(net.Blocks[1].DropPath.Training, Is.True);
    }

    [Test]
    public void FreezingByPrefixExcludesParametersFromGradientsAndOptimizer()
    {
        using var scope = TensorScope.Begin();
        using var net = new Net(F64, new Rng(1));
        Assert.That(net.Freeze("blocks.0"), Is.EqualTo(6));
        Assert.That(net.Freeze("block"), Is.Zero, "prefixes match whole dotted components");
        var x = Leaf(new Rng(2), [2, 4, 8], requiresGrad: false);
        var y = net.Blocks[1].Forward(net.Blocks[0].Forward(x));
        Tape.Backward(F.SumAll(F.Square(y)));
        foreach (var (name, p) in net.NamedParameters().Where(p => p.Name.StartsWith("blocks.", StringComparison.Ordinal)))
            Assert.That(p.HasGrad, Is.EqualTo(!name.StartsWith("blocks.0.", StringComparison.Ordinal)), name);
        var groups = ParamGroup.WeightDecayGroups(net.NamedParameters(), 1e-3, 0.05);
        var inOptimizer = groups.SelectMany(g => g.Parameters).Select(p => p.Name).ToList();
        Assert.That(inOptimizer.Any(n => n.StartsWith("blocks.0.", StringComparison.Ordinal)), Is.False);
        Assert.That(inOptimizer, Has.Count.EqualTo(17 - 6));
        net.Unfreeze();
        Assert.That(net.Parameters().All(p => p.RequiresGrad), Is.True);
    }

    [Test]
    public void StateDictRoundTripConvertsDtypes()
    {
        using var a = new Net(F64, new Rng(1));
        using var b = new Net(new ParameterOptions(Cpu, DType.Float32), new Rng(2));
        b.LoadStateDict(a.StateDict());
        foreach (var ((name, pa), (_, pb)) in a.NamedParameters().Zip(b.NamedParameters()))
        {
            var expected = pa.Value.ToArray<double>().Select(v => (double)(float)v).ToArray();
            Assert.That(pb.Value.ToArray<float>().Select(v => (double)v).ToArray(), Is.EqualTo(expected), name);
        }
    }

    [Test]
    public void LoadStateDictListsMissingUnexpectedAndMismatchedKeys()
    {
        using var scope = TensorScope.Begin();
        using var net = new Net(F64, new Rng(1));
        var before = net.Head.Weight.Value.ToArray<double>();
        var state = new StateDict();
        foreach (var (name, t) in net.StateDict())
            if (name != "head.bias") state.Add(name == "head.weight" ? "head.weights" : name, t);
        state.Add("blocks.0.norm1.extra", Cpu.Empty(DType.Float64, [8]));
        var ex = Assert.Throws<InvalidOperationException>(() => net.LoadStateDict(state));
        Assert.That(ex!.Message, Does.Contain("missing keys (2): head.weight, head.bias"));
        Assert.That(ex.Message, Does.Contain("unexpected keys (2): head.weights, blocks.0.norm1.extra"));

        var result = net.LoadStateDict(state, strict: false);
        Assert.That(result.MissingKeys, Is.EqualTo(new[] { "head.weight", "head.bias" }));
        Assert.That(net.Head.Weight.Value.ToArray<double>(), Is.EqualTo(before));

        var bad = new StateDict();
        foreach (var (name, t) in net.StateDict()) bad.Add(name, name == "head.bias" ? Cpu.Empty(DType.Float64, [6]) : t);
        var ex2 = Assert.Throws<InvalidOperationException>(() => net.LoadStateDict(bad, strict: false));
        Assert.That(ex2!.Message, Does.Contain("head.bias: checkpoint [6], model [5]"));
    }

    [Test]
    public void TorchDefaultInitIsUniformWithinOneOverSqrtFanIn()
    {
        using var linear = new Linear(300, 200, F64, new Rng(3));
        using var patch = new PatchEmbed(3, 64, 4, F64, new Rng(4));
        foreach (var (t, fanIn) in new[] { (linear.Weight.Value, 300), (linear.Bias!.Value, 300), (patch.Proj.Weight.Value, 48), (patch.Proj.Bias.Value, 48) })
        {
            var v = t.ToArray<double>();
            double bound = 1 / Math.Sqrt(fanIn);
            Assert.That(v.Max(), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.8 * bound));
            Assert.That(v.Min(), Is.GreaterThanOrEqualTo(-bound).And.LessThan(-0.8 * bound));
        }
        var w = linear.Weight.Value.ToArray<double>();
        double variance = w.Select(x => x * x).Average();
        Assert.That(variance, Is.EqualTo(1.0 / 300 / 3).Within(3).Percent);
    }

    [Test]
    public void TruncNormalInitAndConstants()
    {
        using var linear = new Linear(256, 300, F64, new Rng(3), init: LinearInit.TruncNormal(0.02));
        var w = linear.Weight.Value.ToArray<double>();
        double mean = w.Average(), std = Math.Sqrt(w.Select(x => (x - mean) * (x - mean)).Average());
        Assert.That(std, Is.EqualTo(0.02).Within(2).Percent);
        Assert.That(Math.Abs(mean), Is.LessThan(3e-4));
        Assert.That(linear.Bias!.Value.ToArray<double>(), Is.All.Zero);

        using var scope = TensorScope.Begin();
        var t = Cpu.Empty(DType.Float64, [2000]);
        Init.TruncNormal(t, 1.0, new Rng(5), a: -0.5, b: 1.5);
        Assert.That(t.ToArray<double>(), Is.All.InRange(-0.5, 1.5), "bounds are absolute (timm)");
        using var norm = new LayerNorm(5, F64);
        Assert.That(norm.Weight.Value.ToArray<double>(), Is.All.EqualTo(1.0));
        Assert.That(norm.Bias.Value.ToArray<double>(), Is.All.Zero);
        var eye = Cpu.Empty(DType.Float32, [3, 4]);
        Init.Identity(eye);
        Assert.That(eye.ToArray<float>(), Is.EqualTo(new float[] { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0 }));
    }

    [Test]
    public void SameSeedGivesSameBitsInFloat32AndFloat64()
    {
        using var a = new Linear(7, 5, F64, new Rng(9));
        using var b = new Linear(7, 5, new ParameterOptions(Cpu, DType.Float32), new Rng(9));
        Assert.That(b.Weight.Value.ToArray<float>(), Is.EqualTo(a.Weight.Value.ToArray<double>().Select(v => (float)v).ToArray()));
    }
}
