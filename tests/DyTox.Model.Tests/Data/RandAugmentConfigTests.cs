using DyTox.Data.Augmentation;

namespace DyTox.Model.Tests.Data;

/// <summary>timm's RandAugment config strings (the original's <c>aa</c>).</summary>
public class RandAugmentConfigTests
{
    [TestCase("rand-m9-mstd0.5-inc1", 2, 9.0, 0.5)]
    [TestCase("rand-m7-n3-inc1", 3, 7.0, 0.0)]
    [TestCase("rand-inc1", 2, 10.0, 0.0)] // timm's defaults: magnitude 10, two ops, no magnitude noise
    [TestCase("rand-m9-inc0", 2, 9.0, 0.0)] // timm tests bool("0"), which is True: still the increasing ops
    [TestCase("rand-m12-mstd1-inc1-x", 2, 12.0, 1.0)] // a section without a value is skipped, as in timm
    public void ReadsTheSections(string config, int ops, double magnitude, double std)
    {
        var o = RandAugmentOptions.Parse(config);
        Assert.That((o.NumOps, o.Magnitude, o.MagnitudeStd), Is.EqualTo((ops, magnitude, std)));
        Assert.That(o.Probability, Is.EqualTo(0.5), "timm 0.3–0.4 applies each drawn op with probability 0.5");
    }

    [TestCase("rand-m9-mstd0.5", "non-increasing")]
    [TestCase("rand-m9-w0-inc1", "weighted")]
    [TestCase("rand-m9-q3-inc1", "unknown RandAugment section")]
    [TestCase("original-mstd0.5", "only timm's RandAugment")]
    [TestCase("rand-m9.5-inc1", "needs a number")]
    public void RefusesWhatIsNotImplemented(string config, string message) =>
        Assert.That(() => RandAugmentOptions.Parse(config), Throws.ArgumentException.With.Message.Contain(message));

    [Test]
    public void DyToxsStringIsTheDefault() => Assert.That(RandAugmentOptions.Parse("rand-m9-mstd0.5-inc1"), Is.EqualTo(new RandAugmentOptions()));
}
