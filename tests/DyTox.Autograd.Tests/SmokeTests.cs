namespace DyTox.Autograd.Tests; public class SmokeTests { [Test] public void Builds() => Assert.Pass(); }
