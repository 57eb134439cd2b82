using DyTox.Tensor;
using static DyTox.Autograd.Tests.TestSupport;

namespace DyTox.Autograd.Tests;

public class TapeTests
{
    private TensorScope? scope;
    private readonly Rng rng = new(7);

    [SetUp] public void SetUp() => scope = TensorScope.Begin();

    [TearDown]
    public void TearDown()
    {
        Tape.Current.Clear();
        scope?.Dispose();
    }

    [Test]
    public void NoGradRecordsNothing()
    {
        var x = Leaf(rng, [3, 4]);
        int before = Tape.Current.Count;
        Variable y;
        using (GradMode.NoGrad())
        {
            y = F.Gelu(F.Scale(x, 2));
            Assert.That(GradMode.IsEnabled, Is.False);
        }
        Assert.That(GradMode.IsEnabled, Is.True);
        Assert.That(Tape.Current.Count, Is.EqualTo(before));
        Assert.That(y.RequiresGrad, Is.False);
        Assert.That(y.IsLeaf, Is.True);
    }

    [Test]
    public void OpsOnInputsWithoutGradRecordNothing()
    {
        var x = Leaf(rng, [3, 4], requiresGrad: false);
        var y = F.Softmax(F.Add(x, x));
        Assert.That(Tape.Current.Count, Is.Zero);
        Assert.That(y.RequiresGrad, Is.False);
    }

    [Test]
    public void BackwardWalksInReverseAndEmptiesTheTape()
    {
        var x = Leaf(rng, [3, 4]);
        var hidden = F.Square(x);
        var loss = F.SumAll(hidden);
        Assert.That(Tape.Current.Count, Is.EqualTo(2));
        Tape.Backward(loss);
        Assert.That(Tape.Current.Count, Is.Zero);
        Assert.That(hidden.Grad, Is.Null, "intermediate gradients are freed during the backward pass");
        Assert.That(hidden.GradFn, Is.Null);
        var expected = x.Value.ToArray<double>().Select(v => 2 * v).ToArray();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(expected).Within(1e-15));
    }

    [Test]
    public void BackwardLeavesLaterGraphsAndRejectsAConsumedGraph()
    {
        var x = Leaf(rng, [3]);
        var first = F.SumAll(F.Square(x));
        var second = F.SumAll(F.Scale(x, 4));
        Assert.That(Tape.Current.Count, Is.EqualTo(4));
        Tape.Backward(first);
        Assert.That(Tape.Current.Count, Is.EqualTo(2), "the second graph was recorded after the first loss");
        Tape.Backward(second);
        Assert.That(Tape.Current.Count, Is.Zero);
        var expected = x.Value.ToArray<double>().Select(v => 2 * v + 4).ToArray();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(expected).Within(1e-15));
        var ex = Assert.Throws<InvalidOperationException>(() => Tape.Backward(first));
        Assert.That(ex!.Message, Does.Contain("already consumed"));
    }

    [Test]
    public void ParameterGradientsAccumulateAcrossBackwardCallsUntilZeroGrad()
    {
        var w = new Parameter(TensorScope.Unscoped(() => Values(new Rng(1), [2, 3])));
        var x = Leaf(rng, [2, 3], requiresGrad: false);
        try
        {
            Tape.Backward(F.SumAll(F.Mul(w, x)));
            var buffer = w.GradBuffer;
            Tape.Backward(F.SumAll(F.Mul(w, x)));
            var xs = x.Value.ToArray<double>();
            Assert.That(w.Grad!.ToArray<double>(), Is.EqualTo(xs.Select(v => 2 * v).ToArray()).Within(1e-15));
            w.ZeroGrad();
            Assert.That(w.Grad, Is.Null);
            Assert.That(w.HasGrad, Is.False);
            Tape.Backward(F.SumAll(F.Mul(w, x)));
            Assert.That(w.Grad!.ToArray<double>(), Is.EqualTo(xs).Within(1e-15));
            Assert.That(w.GradBuffer, Is.SameAs(buffer), "the gradient buffer is allocated once");
        }
        finally
        {
            w.Dispose();
        }
    }

    [Test]
    public void DetachStopsGradients()
    {
        var x = Leaf(rng, [5]);
        var y = F.Square(x);
        var loss = F.SumAll(F.Add(y.Detach(), F.Scale(x, 3)));
        Tape.Backward(loss);
        Assert.That(x.Grad!.ToArray<double>(), Is.All.EqualTo(3.0));
    }

    [Test]
    public void BackwardNeedsAScalarOrASeed()
    {
        var x = Leaf(rng, [2, 2]);
        var y = F.Square(x);
        var ex = Assert.Throws<ArgumentException>(() => Tape.Backward(y));
        Assert.That(ex!.Message, Does.Contain("one-element loss"));
        var seed = Cpu.Empty(DType.Float64, [2, 2]);
        Cpu.Fill(seed, 1);
        Tape.Backward(y, seed);
        Assert.That(x.Grad, Is.Not.Null);
    }

    [Test]
    public void ShapeErrorsNameTheOpAndInput()
    {
        var x = Leaf(rng, [4, 5]);
        var w = Leaf(rng, [3, 6]);
        var ex = Assert.Throws<ArgumentException>(() => F.Linear(x, w));
        Assert.That(ex!.Message, Does.Contain("Linear").And.Contain("weight"));
        var a = Leaf(rng, [2, 3]);
        var b = Leaf(rng, [4, 3]);
        var ex2 = Assert.Throws<ArgumentException>(() => F.MatMul(a, b));
        Assert.That(ex2!.Message, Does.Contain("MatMul").And.Contain("inner"));
        var ex3 = Assert.Throws<ArgumentException>(() => F.Concat(0, a, Leaf(rng, [2, 4])));
        Assert.That(ex3!.Message, Does.Contain("Concat").And.Contain("inputs[1]"));
    }

    [Test]
    public void DropoutAndDropPathAreIdentityOutsideTraining()
    {
        var x = Leaf(rng, [4, 3]);
        Assert.That(F.Dropout(x, 0.5, new Rng(1), training: false), Is.SameAs(x));
        Assert.That(F.DropPath(x, 0.5, new Rng(1), training: false), Is.SameAs(x));
    }

    [Test]
    public void DropPathMasksWholeSamplesAndScalesByKeep()
    {
        var x = new Variable(Cpu.Empty(DType.Float64, [64, 3]));
        Cpu.Fill(x.Value, 1);
        var y = F.DropPath(x, 0.25, new Rng(11), training: true).Value.ToArray<double>();
        int kept = 0;
        for (int s = 0; s < 64; s++)
        {
            var row = y.Skip(3 * s).Take(3).ToArray();
            Assert.That(row, Is.All.EqualTo(row[0]), "one draw per sample");
            Assert.That(row[0], Is.EqualTo(0).Or.EqualTo(1 / 0.75).Within(1e-15));
            if (row[0] != 0) kept++;
        }
        Assert.That(kept, Is.InRange(36, 60));
    }
}
