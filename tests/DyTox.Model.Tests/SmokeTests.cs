namespace DyTox.Model.Tests; public class SmokeTests { [Test] public void Builds() => Assert.Pass(); }
