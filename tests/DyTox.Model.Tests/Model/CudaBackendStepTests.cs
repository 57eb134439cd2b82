using DyTox.Kernels.Runtime;
using DyTox.Autograd;
using DyTox.Kernels.Backend;
using DyTox.Kernels.Emulator;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Model.Tests.Model;

/// <summary>
/// The whole DyTox task-1 training step (teacher, student with 2 task tokens and the divergence head, BCE + KD +
/// divergence, backward, 2 AdamW steps) on the CUDA backend — here on the CPU emulator, which runs the real
/// kernels/*.cu — against the CPU backend: the CUDA backend's C# and kernels serve the model unchanged.
/// </summary>
[TestFixture]
public class CudaBackendStepTests
{
    private static List<(string Name, float[] Values)> RunStep(IBackend be)
    {
        using var model = new DyToxModel(DyToxConfig.Fixture, be, DType.Float32, new Rng(21));
        model.AddTask(3);
        using var teacher = model.CloneAsTeacher();
        model.AddTask(2);
        model.SetTrainablePhase(TrainingPhase.TaskMain);
        using var optimizer = new AdamW(ParamGroup.WeightDecayGroups(model.NamedParameters(), 1e-3, 1e-6));
        using var scope = TensorScope.Begin();
        var images = be.Empty(DType.Float32, [4, 3, 16, 16]);
        Init.Normal(images, 0, 1, new Rng(22));
        var x = new Variable(images);
        int[] y = [0, 4, 2, 3];
        var results = new List<(string, float[])>();
        for (int step = 0; step < 2; step++)
        {
            DyTox.Tensor.Tensor teacherLogits;
            using (GradMode.NoGrad()) teacherLogits = teacher.Forward(x, false).Logits.Value;
            optimizer.ZeroGrad();
            var output = model.Forward(x, withDivergence: true);
            var loss = DyToxLoss.Compute(output, DyToxLoss.OneHot(y, 5, be, DType.Float32), 3, teacherLogits,
                                         DyToxLoss.DivergenceTargets(y, 3, 2, be, DType.Float32));
            results.Add(($"step {step} loss", [(float)loss.Total.Item()]));
            results.Add(($"step {step} logits", output.Logits.Value.ToArray<float>()));
            Tape.Backward(loss.Total);
            foreach (var (name, p) in model.NamedParameters())
                if (p.Grad is not null) results.Add(($"step {step} grad {name}", p.Grad.ToArray<float>()));
            optimizer.Step();
        }
        foreach (var (name, p) in model.NamedParameters()) results.Add(($"weights {name}", p.Value.ToArray<float>()));
        return results;
    }

    [Test]
    public void Task1StepOnTheEmulatedGpuMatchesTheCpu()
    {
        EmulatorDriver driver;
        try { driver = new EmulatorDriver(); }
        catch (EmulatorUnavailableException e) { Assert.Ignore($"no CPU emulator: {e.Message}"); return; }
        using (driver)
        using (var gpu = new CudaBackend(driver))
        {
            var cpu = RunStep(CpuBackend.Instance);
            var emulated = RunStep(gpu);
            Assert.That(emulated.Select(r => r.Name), Is.EqualTo(cpu.Select(r => r.Name)));
            for (int i = 0; i < cpu.Count; i++)
            {
                var (name, expected) = cpu[i];
                var actual = emulated[i].Values;
                // float32 on both sides with different reduction orders; the model's longest reductions are a few
                // hundred terms, and gradients pass through ~10 ops: a relative bound of 1e-3 of the tensor's scale.
                double scale = Math.Max(expected.Max(v => Math.Abs((double)v)), 1e-6);
                double worst = 0;
                for (int j = 0; j < expected.Length; j++) worst = Math.Max(worst, Math.Abs(actual[j] - (double)expected[j]));
                if (name.StartsWith("weights", StringComparison.Ordinal) && name.EndsWith("pos_proj.bias", StringComparison.Ordinal))
                {
                    // Its true gradient is 0 (a per-head constant cancels in the softmax): both backends hold rounding
                    // noise there, which AdamW normalises into steps of up to lr each. Bound: 2 steps of lr = 1e-3.
                    Assert.That(worst, Is.LessThanOrEqualTo(2 * 1e-3 + 1e-6), $"{name}: max |Δ| {worst:E3}");
                    continue;
                }
                Assert.That(worst / scale, Is.LessThanOrEqualTo(1e-3), $"{name}: max |Δ| {worst:E3} against scale {scale:E3}");
            }
        }
    }

    /// <summary>The CLI's --tf32 and --bf16-gemm: the GEMM inputs are rounded (TF32: 11 significant bits, relative
    /// 2^-11 ≈ 4.9e-4; bfloat16: 8, 3.9e-3), so through ~10 layers of GEMMs the logits move, but only at that precision,
    /// and the next step's loss stays close.</summary>
    [TestCase(GemmMath.Tf32, 1e-6, 2e-2, 1e-2)]
    [TestCase(GemmMath.Bf16, 1e-5, 1e-1, 5e-2)]
    public void RoundedGemmInputsChangeTheStepOnlyAtTheirPrecision(GemmMath math, double minRelative, double maxRelative, double lossTolerance)
    {
        EmulatorDriver driver;
        try { driver = new EmulatorDriver(); }
        catch (EmulatorUnavailableException e) { Assert.Ignore($"no CPU emulator: {e.Message}"); return; }
        using (driver)
        using (var gpu = new CudaBackend(driver))
        {
            var fp32 = RunStep(gpu);
            driver.Blas.Math = math;
            List<(string Name, float[] Values)> rounded;
            try { rounded = RunStep(gpu); }
            finally { driver.Blas.Math = GemmMath.Float32; }
            var logits = (fp32.Single(r => r.Name == "step 0 logits").Values, rounded.Single(r => r.Name == "step 0 logits").Values);
            Assert.That(logits.Item2, Is.Not.EqualTo(logits.Item1), $"the GEMM inputs were rounded ({math})");
            double scale = logits.Item1.Max(v => Math.Abs((double)v)), worst = logits.Item1.Zip(logits.Item2).Max(p => Math.Abs(p.First - (double)p.Second));
            Assert.That(worst / scale, Is.LessThan(maxRelative).And.GreaterThan(minRelative), $"max |Δ| {worst:E3} against scale {scale:E3}");
            double loss32 = fp32.Single(r => r.Name == "step 1 loss").Values[0], lossRounded = rounded.Single(r => r.Name == "step 1 loss").Values[0];
            Assert.That(lossRounded, Is.EqualTo(loss32).Within(lossTolerance * loss32));
        }
    }

    /// <summary>The GPU runner's step profile: a ProfilingBackend around the CUDA backend, synchronising after each op,
    /// gives the same bits as the backend alone and times every op of the step.</summary>
    [Test]
    public void ASynchronisingProfilerAroundTheCudaBackendChangesNothing()
    {
        EmulatorDriver driver;
        try { driver = new EmulatorDriver(); }
        catch (EmulatorUnavailableException e) { Assert.Ignore($"no CPU emulator: {e.Message}"); return; }
        using (driver)
        using (var gpu = new CudaBackend(driver))
        {
            var plain = RunStep(gpu);
            using var profiler = new ProfilingBackend(gpu) { Synchronize = driver.Synchronize };
            var profiled = RunStep(profiler);
            Assert.That(profiled.Select(r => r.Name), Is.EqualTo(plain.Select(r => r.Name)));
            for (int i = 0; i < plain.Count; i++) Assert.That(profiled[i].Values, Is.EqualTo(plain[i].Values), plain[i].Name);
            Assert.That(profiler.Timings.Keys, Has.Some.StartsWith("GpsaForward"));
            Assert.That(profiler.Timings.Keys, Has.Some.StartsWith("Linear"));
        }
    }


}
