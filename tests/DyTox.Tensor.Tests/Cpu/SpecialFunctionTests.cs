using DyTox.Tensor.Cpu;

namespace DyTox.Tensor.Tests.Cpu;

public class SpecialFunctionTests
{
    [Test]
    public void ErfMatchesItsSeriesOnTheCentralRange()
    {
        // The series loses digits to cancellation beyond |x| ≈ 2; the tail is checked below.
        for (double x = -2; x <= 2; x += 0.01)
        {
            double expected = ElementwiseTests.ErfSeries(x);
            Assert.That(SpecialFunctions.Erf(x), Is.EqualTo(expected).Within(2e-15 + 1e-14 * Math.Abs(expected)), $"erf({x})");
        }
    }

    [TestCase(-3.0, -0.9999779095030014, 1.9999779095030015)]
    [TestCase(-0.47, -0.4937450508860821, 1.4937450508860821)]
    [TestCase(0.46875, 0.49261347321793797, 0.507386526782062)]
    [TestCase(0.5, 0.5204998778130465, 0.4795001221869535)]
    [TestCase(1.0, 0.8427007929497149, 0.15729920705028513)]
    [TestCase(3.9, 0.9999999652077514, 3.479224859723177e-08)]
    [TestCase(4.1, 0.9999999932999724, 6.700027654084918e-09)]
    [TestCase(6.0, 1.0, 2.1519736712498916e-17)]
    public void ErfAgreesWithTheCLibrary(double x, double erf, double erfc)
    {
        // Reference values: glibc's erf/erfc (CPython math.erf/erfc), an independent implementation.
        Assert.That(SpecialFunctions.Erf(x), Is.EqualTo(erf).Within(2e-16 * Math.Abs(erf) + 1e-300));
        Assert.That(SpecialFunctions.Erfc(x), Is.EqualTo(erfc).Within(4e-16 * Math.Abs(erfc)));
    }

    [Test]
    public void ErfcMatchesTheContinuedFractionInTheTail()
    {
        // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))) (Lentz-free backward evaluation).
        for (double x = 2.5; x < 26; x += 0.37)
        {
            double f = x;
            for (int k = 200; k >= 1; k--) f = x + k / 2.0 / f;
            double expected = Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
            Assert.That(SpecialFunctions.Erfc(x), Is.EqualTo(expected).Within(4e-16 * (1 + x * x) * expected), $"erfc({x})"); // exp(−x²) of the reference is only good to ~x²·eps
        }
    }

    [Test]
    public void ErfIsOddAndSaturates()
    {
        Assert.That(SpecialFunctions.Erf(0), Is.EqualTo(0));
        Assert.That(SpecialFunctions.Erf(-0.8), Is.EqualTo(-SpecialFunctions.Erf(0.8)));
        Assert.That(SpecialFunctions.Erf(30), Is.EqualTo(1));
        Assert.That(SpecialFunctions.Erf(double.NegativeInfinity), Is.EqualTo(-1));
        Assert.That(SpecialFunctions.Erfc(40), Is.EqualTo(0));
        Assert.That(double.IsNaN(SpecialFunctions.Erf(double.NaN)));
    }

    [Test]
    public void GeluDerivativeMatchesFiniteDifferences()
    {
        for (double x = -8; x <= 8; x += 0.173)
        {
            double h = 1e-5;
            double numeric = (SpecialFunctions.Gelu(x + h) - SpecialFunctions.Gelu(x - h)) / (2 * h);
            Assert.That(SpecialFunctions.GeluDerivative(x), Is.EqualTo(numeric).Within(1e-9), $"gelu'({x})");
        }
    }
}
