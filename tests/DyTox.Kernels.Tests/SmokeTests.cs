namespace DyTox.Kernels.Tests; public class SmokeTests { [Test] public void Builds() => Assert.Pass(); }
