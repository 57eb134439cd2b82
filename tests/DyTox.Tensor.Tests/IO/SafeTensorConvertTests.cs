using DyTox.Tensor.IO;

namespace DyTox.Tensor.Tests.IO;

public class SafeTensorConvertTests
{
    [Test]
    public void SinglesRoundTripThroughBytesAndViews()
    {
        float[] values = [1.5f, -2.25f, float.Epsilon, float.MaxValue, float.NaN, -0f];
        var entry = SafeTensorConvert.FromSingles("w", [2, 3], values);
        Assert.That(entry.DType, Is.EqualTo("F32"));
        Assert.That(entry.Data, Has.Length.EqualTo(24));
        Assert.That(SafeTensorConvert.AsSingles(entry).ToArray(), Is.EqualTo(values));
        Assert.That(BitConverter.SingleToInt32Bits(SafeTensorConvert.ToSingles(entry)[5]), Is.EqualTo(BitConverter.SingleToInt32Bits(-0f)));
    }

    [Test]
    public void F32ToF64IsExactAndF64ToF32RoundsToNearest()
    {
        float[] singles = [0.1f, -3.75f, 1e-30f, 16777217f];
        var f64 = SafeTensorConvert.ToF64(SafeTensorConvert.FromSingles("x", [4], singles));
        Assert.That(f64.DType, Is.EqualTo("F64"));
        Assert.That(f64.Shape, Is.EqualTo(new long[] { 4 }));
        Assert.That(SafeTensorConvert.AsDoubles(f64).ToArray(), Is.EqualTo(singles.Select(s => (double)s).ToArray()));

        double[] doubles = [0.1, 1.0 + 1e-12, -2.5, 1e300];
        var f32 = SafeTensorConvert.ToF32(SafeTensorConvert.FromDoubles("y", [2, 2], doubles));
        Assert.That(f32.DType, Is.EqualTo("F32"));
        Assert.That(SafeTensorConvert.AsSingles(f32).ToArray(), Is.EqualTo(new[] { 0.1f, 1f, -2.5f, float.PositiveInfinity }));
        Assert.That(SafeTensorConvert.ToF32(f32), Is.SameAs(f32));
    }

    [Test]
    public void HalfAndBrainFloatWidenExactly()
    {
        // F16 0x3C00 = 1, 0xC000 = -2, 0x3555 ~ 0.33325; BF16 0x3F80 = 1, 0xC040 = -3.
        var f16 = new SafeTensorEntry("h", "F16", [3], [0x00, 0x3C, 0x00, 0xC0, 0x55, 0x35]);
        Assert.That(SafeTensorConvert.ToDoubles(f16), Is.EqualTo(new[] { 1.0, -2.0, (double)(float)BitConverter.UInt16BitsToHalf(0x3555) }));
        var bf16 = new SafeTensorEntry("b", "BF16", [2], [0x80, 0x3F, 0x40, 0xC0]);
        Assert.That(SafeTensorConvert.ToSingles(bf16), Is.EqualTo(new[] { 1f, -3f }));
    }

    [Test]
    public void IntegersWidenToInt64()
    {
        var i32 = new SafeTensorEntry("i", "I32", [2], [0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x00, 0x00, 0x00]);
        Assert.That(SafeTensorConvert.ToInt64s(i32), Is.EqualTo(new long[] { -1, 2 }));
        Assert.That(SafeTensorConvert.ToInt64s(new SafeTensorEntry("j", "I8", [2], [0x80, 0x7F])), Is.EqualTo(new long[] { -128, 127 }));
        Assert.That(SafeTensorConvert.ToInt64s(new SafeTensorEntry("k", "U8", [1], [0xFF])), Is.EqualTo(new long[] { 255 }));
        Assert.That(SafeTensorConvert.ToInt64s(new SafeTensorEntry("m", "I16", [1], [0x00, 0x80])), Is.EqualTo(new long[] { -32768 }));
        var i64 = SafeTensorConvert.FromInt64s("l", [3], [long.MinValue, 0, 42]);
        Assert.That(SafeTensorConvert.AsInt64s(i64).ToArray(), Is.EqualTo(new long[] { long.MinValue, 0, 42 }));
    }

    [Test]
    public void WrongDTypeOrSizeIsRejectedWithTheTensorName()
    {
        var f32 = SafeTensorConvert.FromSingles("weights", [2], [1f, 2f]);
        var e1 = Assert.Throws<ArgumentException>(() => SafeTensorConvert.AsDoubles(f32));
        Assert.That(e1!.Message, Does.Contain("'weights'").And.Contain("F32").And.Contain("expected F64"));
        Assert.Throws<ArgumentException>(() => SafeTensorConvert.ToInt64s(f32));
        Assert.Throws<ArgumentException>(() => SafeTensorConvert.ToDoubles(new SafeTensorEntry("b", "BOOL", [1], [1])));
        var e2 = Assert.Throws<ArgumentException>(() => SafeTensorConvert.AsSingles(new SafeTensorEntry("short", "F32", [3], new byte[8])));
        Assert.That(e2!.Message, Does.Contain("'short'").And.Contain("12 bytes"));
        Assert.Throws<ArgumentException>(() => SafeTensorConvert.FromDoubles("n", [3], [1.0, 2.0]));
    }
}
