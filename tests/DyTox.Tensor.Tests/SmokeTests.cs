namespace DyTox.Tensor.Tests; public class SmokeTests { [Test] public void Builds() => Assert.Pass(); }
