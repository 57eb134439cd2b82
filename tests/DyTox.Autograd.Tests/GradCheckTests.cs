using DyTox.Tensor;
using static DyTox.Autograd.Tests.TestSupport;

namespace DyTox.Autograd.Tests;

/// <summary>Float64 central-difference checks of every differentiable function on ragged shapes.</summary>
public class GradCheckTests
{
    private TensorScope? scope;
    private Rng rng = null!;

    [SetUp]
    public void SetUp()
    {
        scope = TensorScope.Begin();
        rng = new Rng(1234, (ulong)TestContext.CurrentContext.Test.Name.GetHashCode(StringComparison.Ordinal));
    }

    [TearDown]
    public void TearDown()
    {
        Tape.Current.Clear();
        scope?.Dispose();
    }

    [TestCase(BinaryOp.Add)]
    [TestCase(BinaryOp.Sub)]
    [TestCase(BinaryOp.Mul)]
    [TestCase(BinaryOp.Div)]
    public void BinarySameShape(BinaryOp op)
    {
        var a = Leaf(rng, [3, 5, 7]);
        var b = Leaf(rng, [3, 5, 7], low: 0.5, high: 2);
        AssertGradients(() => F.Binary(op, a, b), [a, b]);
    }

    [TestCase(BinaryOp.Add)]
    [TestCase(BinaryOp.Sub)]
    [TestCase(BinaryOp.Mul)]
    [TestCase(BinaryOp.Div)]
    public void BinaryBroadcast(BinaryOp op)
    {
        var a = Leaf(rng, [3, 1, 7]);
        var b = Leaf(rng, [5, 1], low: 0.5, high: 2);
        AssertGradients(() => F.Binary(op, a, b), [a, b]);
        var c = Leaf(rng, [7], low: 0.5, high: 2);
        AssertGradients(() => F.Binary(op, c, a), [c, a]);
        // One operand already has the output's shape (its gradient may reuse dy), the other is broadcast.
        var full = Leaf(rng, [3, 5, 7], low: 0.5, high: 2);
        AssertGradients(() => F.Binary(op, full, b), [full, b]);
        AssertGradients(() => F.Binary(op, b, full), [b, full]);
        if (op is BinaryOp.Add or BinaryOp.Mul) AssertGradients(() => F.Binary(op, full, full), [full]); // x−x and x/x are constant
    }

    [Test]
    public void AffineAndScale()
    {
        var x = Leaf(rng, [4, 9]);
        AssertGradients(() => F.Affine(x, -1.7, 0.3), [x]);
        AssertGradients(() => F.Scale(x, 2.5), [x]);
        AssertGradients(() => F.AddScalar(x, 2.5), [x]);
    }

    [TestCase(UnaryOp.Neg)]
    [TestCase(UnaryOp.Exp)]
    [TestCase(UnaryOp.Log)]
    [TestCase(UnaryOp.Sqrt)]
    [TestCase(UnaryOp.Square)]
    [TestCase(UnaryOp.Abs)]
    [TestCase(UnaryOp.Reciprocal)]
    [TestCase(UnaryOp.Sigmoid)]
    [TestCase(UnaryOp.Tanh)]
    [TestCase(UnaryOp.Relu)]
    [TestCase(UnaryOp.Gelu)]
    public void Unary(UnaryOp op)
    {
        bool positive = op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Reciprocal;
        var x = Leaf(rng, [5, 13], low: positive ? 0.2 : -3, high: 3);
        AssertGradients(() => F.Unary(op, x), [x]);
    }

    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(true, true)]
    public void MatMul2D(bool ta, bool tb)
    {
        var a = Leaf(rng, ta ? [7, 5] : [5, 7]);
        var b = Leaf(rng, tb ? [3, 7] : [7, 3]);
        AssertGradients(() => F.MatMul(a, b, ta, tb), [a, b]);
    }

    [TestCase(false, false, 4, 4)]
    [TestCase(false, true, 4, 1)]
    [TestCase(true, false, 1, 4)]
    [TestCase(true, true, 4, 4)]
    public void MatMulBatched(bool ta, bool tb, int batchA, int batchB)
    {
        var a = Leaf(rng, ta ? [batchA, 7, 5] : [batchA, 5, 7]);
        var b = Leaf(rng, tb ? [batchB, 3, 7] : [batchB, 7, 3]);
        AssertGradients(() => F.MatMul(a, b, ta, tb), [a, b]);
    }

    [Test]
    public void LinearWithAndWithoutBias()
    {
        var x = Leaf(rng, [2, 5, 36]);
        var w = Leaf(rng, [11, 36]);
        var b = Leaf(rng, [11]);
        AssertGradients(() => F.Linear(x, w, b), [x, w, b]);
        AssertGradients(() => F.Linear(x, w), [x, w]);
    }

    [TestCase(ReduceOp.Sum, 0)]
    [TestCase(ReduceOp.Sum, 1)]
    [TestCase(ReduceOp.Mean, 2)]
    [TestCase(ReduceOp.Mean, -2)]
    [TestCase(ReduceOp.Max, 0)]
    [TestCase(ReduceOp.Max, 2)]
    public void Reductions(ReduceOp op, int axis)
    {
        var x = Leaf(rng, [3, 5, 7]);
        AssertGradients(() => F.Reduce(op, x, axis), [x]);
        AssertGradients(() => F.Reduce(op, x, axis, keepDim: true), [x]);
    }

    [Test]
    public void SumAllAndMeanAll()
    {
        var x = Leaf(rng, [3, 5, 7]);
        AssertGradients(() => F.SumAll(x), [x]);
        AssertGradients(() => F.MeanAll(x), [x]);
    }

    [Test]
    public void SoftmaxAndLogSoftmax()
    {
        var x = Leaf(rng, [3, 5, 65], low: -3, high: 3);
        AssertGradients(() => F.Softmax(x), [x]);
        AssertGradients(() => F.LogSoftmax(x), [x]);
    }

    [Test]
    public void LayerNorm()
    {
        var x = Leaf(rng, [2, 5, 36], low: -2, high: 2);
        var g = Leaf(rng, [36], low: 0.5, high: 1.5);
        var b = Leaf(rng, [36]);
        AssertGradients(() => F.LayerNorm(x, g, b), [x, g, b]);
    }

    [Test]
    public void L2Normalize()
    {
        var x = Leaf(rng, [7, 36]);
        AssertGradients(() => F.L2Normalize(x), [x]);
    }

    [Test]
    public void Dropout()
    {
        var x = Leaf(rng, [6, 11]);
        AssertGradients(() => F.Dropout(x, 0.3, new Rng(5), training: true), [x]);
    }

    [Test]
    public void DropPath()
    {
        var x = Leaf(rng, [9, 5, 4]);
        AssertGradients(() => F.DropPath(x, 0.4, new Rng(6), training: true), [x]);
    }

    [Test]
    public void PatchEmbed()
    {
        var images = Leaf(rng, [2, 3, 8, 12]);
        var w = Leaf(rng, [10, 3, 4, 4]);
        var b = Leaf(rng, [10]);
        AssertGradients(() => F.PatchEmbed(images, w, b), [images, w, b]);
    }

    [Test]
    public void ReshapePermuteTranspose()
    {
        var x = Leaf(rng, [3, 5, 7]);
        AssertGradients(() => F.Mul(F.Reshape(x, 5, -1), F.Reshape(x, 5, 21)), [x]);
        AssertGradients(() => F.Permute(x, 2, 0, 1), [x]);
        AssertGradients(() => F.Transpose(x, 0, 2), [x]);
    }

    [Test]
    public void SliceSelectSplit()
    {
        var x = Leaf(rng, [4, 9, 5]);
        AssertGradients(() => F.Slice(x, 1, 2, 5), [x]);
        AssertGradients(() => F.Select(x, 0, 2), [x]);
        AssertGradients(() =>
        {
            var parts = F.Split(x, 1, 2, 3, 4);
            return F.Concat(1, F.Scale(parts[2], 3), parts[0], F.Square(parts[1]));
        }, [x]);
    }

    [Test]
    public void ConcatAndExpand()
    {
        var a = Leaf(rng, [2, 3, 5]);
        var b = Leaf(rng, [2, 4, 5]);
        var token = Leaf(rng, [1, 1, 5]);
        AssertGradients(() => F.Concat(1, a, b), [a, b]);
        AssertGradients(() => F.Concat(1, F.Expand(token, 2, 1, 5), a), [token, a]);
    }

    [Test]
    public void IndexSelectWithRepeats()
    {
        var x = Leaf(rng, [6, 7]);
        var indices = Ints([5, 0, 2, 2, 5, 1]);
        AssertGradients(() => F.IndexSelect(x, 0, indices), [x]);
        AssertGradients(() => F.IndexSelect(x, 1, indices), [x]);
    }

    [Test]
    public void Gpsa()
    {
        const int b = 2, n = 25, d = 36, h = 3;
        var qk = Leaf(rng, [b, n, 2 * d]);
        var v = Leaf(rng, [b, n, d]);
        var posW = Leaf(rng, [h, 3], low: -0.5, high: 0.5);
        var posB = Leaf(rng, [h]);
        var gates = Leaf(rng, [h], low: -2, high: 2);
        var rel = F.GpsaRelativePositions(n, Cpu, DType.Float64);
        double scale = 1 / Math.Sqrt(d / h);
        Func<Variable> f = () => F.Gpsa(qk, v, posW, posB, gates, rel, h, scale);
        var results = GradCheck.Check(f, [qk, v, posW, posB, gates], new Rng(3), maxElementsPerInput: 40);
        foreach (var r in results)
        {
            if (r.Input == 3)
            {
                // The positional bias adds a per-row constant before a softmax: its gradient is analytically zero.
                Assert.That(r.MaxAbsDifference, Is.LessThan(1e-8), r.ToString());
                Assert.That(r.MaxAnalytic, Is.LessThan(1e-10), r.ToString());
            }
            else
            {
                Assert.That(r.MaxAnalytic, Is.GreaterThan(0), r.ToString());
                Assert.That(r.RelativeError, Is.LessThan(1e-6), r.ToString());
            }
        }
        Assert.That(results, Has.Count.EqualTo(5));
    }

    [Test]
    public void TaskAttention()
    {
        const int t = 2, b = 3, n = 65, d = 36, h = 3;
        var q = Leaf(rng, [t, b, d]);
        var kt = Leaf(rng, [t, b, d]);
        var vt = Leaf(rng, [t, b, d]);
        var kp = Leaf(rng, [b, n, d]);
        var vp = Leaf(rng, [b, n, d]);
        double scale = 1 / Math.Sqrt(d / h);
        AssertGradients(() => F.TaskAttention(q, kt, vt, kp, vp, h, scale), [q, kt, vt, kp, vp], maxElements: 40);
    }

    [Test]
    public void BceWithLogitsSoftTargets()
    {
        var logits = Leaf(rng, [5, 11], low: -4, high: 4);
        var targets = Values(rng, [5, 11], low: 0, high: 1);
        AssertGradients(() => F.Scale(F.BceWithLogits(logits, targets), 1.7), [logits]);
    }

    [TestCase(0.0)]
    [TestCase(0.1)]
    public void SoftmaxCrossEntropy(double smoothing)
    {
        var logits = Leaf(rng, [6, 11], low: -3, high: 3);
        var labels = Ints([0, 10, 3, 3, 7, 1]);
        AssertGradients(() => F.Scale(F.SoftmaxCrossEntropy(logits, labels, smoothing), -0.6), [logits]);
    }

    [TestCase(1.0)]
    [TestCase(2.5)]
    public void KnowledgeDistillation(double temperature)
    {
        var student = Leaf(rng, [6, 11], low: -3, high: 3);
        var teacher = Values(rng, [6, 11], low: -3, high: 3);
        AssertGradients(() => F.KnowledgeDistillation(student, teacher, temperature), [student]);
    }

    [Test]
    public void ComposedGraphWithSharedInputs()
    {
        // x feeds several paths; gradients from all of them accumulate.
        var x = Leaf(rng, [4, 6]);
        var w = Leaf(rng, [6, 6]);
        AssertGradients(() =>
        {
            var y = F.Linear(x, w);
            var z = F.Add(F.Mul(y, x), F.Gelu(x));
            return F.Sub(F.Softmax(z), F.Scale(x, 0.5));
        }, [x, w]);
    }
}

public class GradCheckSelfTests
{
    [Test]
    public void DetectsAWrongGradient()
    {
        using var scope = TensorScope.Begin();
        var x = TestSupport.Leaf(new Rng(3), [4, 5], low: 0.5, high: 1.5);
        // x ⊙ detach(x): the tape sees only one factor, so the analytic gradient is half the true one.
        var results = GradCheck.Check(() => F.Mul(x, x.Detach()), [x], new Rng(4));
        Assert.That(results[0].RelativeError, Is.GreaterThan(0.3), results[0].ToString());
    }

    [Test]
    public void SamplesLargeInputsAndReportsTightErrors()
    {
        using var scope = TensorScope.Begin();
        var x = TestSupport.Leaf(new Rng(3), [40, 30]);
        var results = GradCheck.Check(() => F.Gelu(x), [x], new Rng(4), maxElementsPerInput: 50);
        Assert.That(results[0].CheckedElements, Is.EqualTo(50));
        Assert.That(results[0].RelativeError, Is.LessThan(1e-8), results[0].ToString());
    }
}
