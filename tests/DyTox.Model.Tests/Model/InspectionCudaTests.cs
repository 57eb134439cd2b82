using DyTox.Autograd;
using DyTox.Kernels.Backend;
using DyTox.Kernels.Emulator;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Model.Tests.Model;

/// <summary>
/// <see cref="DyToxInspection.ForwardWithAttention"/> on the CUDA backend (here the CPU emulator running the real
/// kernels/*.cu): logits bitwise those of the CUDA Forward, maps equal to the CPU backend's up to float32 rounding.
/// </summary>
[TestFixture]
public class InspectionCudaTests
{
    private static (float[] Logits, float[] Plain, AttentionSnapshot Maps) Run(IBackend be)
    {
        var config = DyToxConfig.Fixture with { DropPathMax = 0.2 };
        using var model = new DyToxModel(config, be, DType.Float32, new Rng(31));
        model.AddTask(3);
        model.AddTask(2);
        var rng = new Rng(32);
        foreach (var sab in model.Sabs) Init.Normal(sab.Attn.GatingParam.Value, 0, 2, rng);
        model.Eval();
        using var scope = TensorScope.Begin();
        var images = be.Empty(DType.Float32, [2, 3, 16, 16]);
        Init.Normal(images, 0, 1, new Rng(33));
        var x = new Variable(images);
        float[] plain;
        using (GradMode.NoGrad()) plain = model.Forward(x, withDivergence: false).Logits.Value.ToArray<float>();
        var inspected = model.ForwardWithAttention(x);
        return (inspected.Output.Logits.Value.ToArray<float>(), plain, inspected.Attention);
    }

    [Test]
    public void EmulatedGpuMapsMatchTheCpuAndLogitsMatchForward()
    {
        EmulatorDriver driver;
        try { driver = new EmulatorDriver(); }
        catch (EmulatorUnavailableException e) { Assert.Ignore($"no CPU emulator: {e.Message}"); return; }
        using (driver)
        using (var gpu = new CudaBackend(driver))
        {
            var cpu = Run(CpuBackend.Instance);
            var cuda = Run(gpu);
            Assert.That(cuda.Logits, Is.EqualTo(cuda.Plain), "ForwardWithAttention = Forward on the CUDA backend");
            for (int i = 0; i < cpu.Maps.Sabs.Count; i++)
            {
                Close(cuda.Maps.Sabs[i].Gates, cpu.Maps.Sabs[i].Gates, $"sab {i} gates");
                Close(cuda.Maps.Sabs[i].PositionalAttention, cpu.Maps.Sabs[i].PositionalAttention, $"sab {i} pos");
                Close(cuda.Maps.Sabs[i].ContentAttention, cpu.Maps.Sabs[i].ContentAttention, $"sab {i} content");
                Close(cuda.Maps.Sabs[i].Attention, cpu.Maps.Sabs[i].Attention, $"sab {i} attn");
            }
            for (int j = 0; j < cpu.Maps.Tabs.Count; j++)
                Close(cuda.Maps.Tabs[j].Attention, cpu.Maps.Tabs[j].Attention, $"tab {j}");
        }
    }

    private static void Close(AttentionMap actual, AttentionMap expected, string what)
    {
        Assert.That(actual.Shape, Is.EqualTo(expected.Shape), what);
        double worst = 0;
        for (int k = 0; k < expected.Values.Length; k++) worst = Math.Max(worst, Math.Abs(actual.Values[k] - (double)expected.Values[k]));
        // Weights in [0, 1] from float32 softmaxes after a few float32 layers with different reduction orders.
        TestContext.Out.WriteLine($"{what}: max |Δ| {worst:E3}");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-4), $"{what}: max |Δ| {worst:E3}");
    }
}
