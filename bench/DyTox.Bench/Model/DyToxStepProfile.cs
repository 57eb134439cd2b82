using System.Diagnostics;
using DyTox.Autograd;
using DyTox.Model;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Bench.Model;

/// <summary>
/// A quick Stopwatch run of the same step as <see cref="DyToxStepBenchmarks"/> without BenchmarkDotNet: best and
/// median img/s over a few iterations, then one step on a <see cref="ProfilingBackend"/> with its per-op table.
/// dotnet run -c Release --project bench/DyTox.Bench -- profile [cifar|fmnist-small|all] [iterations]
/// Uses the process's OPENBLAS_CORETYPE as it is (set it in the shell to compare core types).
/// </summary>
public static class DyToxStepProfile
{
    public static void Run(string which, int iterations)
    {
        foreach (var c in ModelBenchCase.All.Where(c => which == "all" || c.Name == which))
        {
            Console.WriteLine($"== {c} — OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset)"}, {CpuBackend.Instance.Name}");
            using var profiler = new ProfilingBackend(CpuBackend.Instance) { Enabled = false };
            using var step = new Step(c, profiler);
            Report("train step", c.Batch, Measure(step.Train, iterations));
            Report("inference", c.Batch, Measure(step.Infer, iterations));
            profiler.Enabled = true;
            profiler.Reset();
            step.Train();
            Console.WriteLine("-- profile: train step");
            Console.Write(profiler.Report());
            profiler.Reset();
            step.Infer();
            Console.WriteLine("-- profile: inference");
            Console.Write(profiler.Report(25));
            profiler.Enabled = false;
        }
    }

    /// <summary>
    /// Warm-up long enough for the tiered JIT: a method with a loop starts unoptimised (tier 0 / OSR) and is recompiled
    /// only after 30 calls and a quiet period, and the attention and GEMM kernels run a few times per step, so two
    /// warm-up steps left them unoptimised (the FMNIST train step measured 700 img/s that way and 1360 with
    /// DOTNET_TieredCompilation=0; the training job, minutes long, runs at the optimised rate). 40 calls or 15 s.
    /// </summary>
    private static double[] Measure(Action action, int iterations)
    {
        var warm = Stopwatch.StartNew();
        int calls = 0;
        while (calls < 40 && warm.Elapsed.TotalSeconds < 15)
        {
            action();
            calls++;
        }
        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return times;
    }

    private static void Report(string what, int batch, double[] sorted) =>
        Console.WriteLine($"{what,-12} best {batch / sorted[0],8:F1} img/s   median {batch / sorted[sorted.Length / 2],8:F1} img/s   ({sorted[0] * 1000:F1} ms best)");

    private sealed class Step : IDisposable
    {
        private readonly DyToxModel student, teacher;
        private readonly AdamW optimizer;
        private readonly Tensor.Tensor images, targets, divergenceTargets;
        private readonly int classesPerTask;

        public Step(ModelBenchCase c, IBackend be)
        {
            var config = c.Config;
            classesPerTask = c.ClassesPerTask;
            student = new DyToxModel(config, be, DType.Float32, new Rng(2022));
            student.AddTask(c.ClassesPerTask);
            teacher = student.CloneAsTeacher();
            student.AddTask(c.ClassesPerTask);
            student.SetTrainablePhase(TrainingPhase.TaskMain);
            optimizer = new AdamW(ParamGroup.WeightDecayGroups(student.NamedParameters(), 2.5e-4, 1e-6));
            images = TensorScope.Unscoped(() => be.Empty(DType.Float32, [c.Batch, config.InChannels, config.ImageSize, config.ImageSize]));
            Init.Normal(images, 0, 1, new Rng(7));
            var labels = Enumerable.Range(0, c.Batch).Select(i => i % (2 * c.ClassesPerTask)).ToArray();
            targets = TensorScope.Unscoped(() => DyToxLoss.OneHot(labels, 2 * c.ClassesPerTask, be, DType.Float32));
            divergenceTargets = TensorScope.Unscoped(() => DyToxLoss.DivergenceTargets(labels, c.ClassesPerTask, c.ClassesPerTask, be, DType.Float32));
        }

        public void Train()
        {
            using var scope = TensorScope.Begin();
            var x = new Variable(images);
            Tensor.Tensor teacherLogits;
            using (GradMode.NoGrad()) teacherLogits = teacher.Forward(x, withDivergence: false).Logits.Value;
            optimizer.ZeroGrad();
            var output = student.Forward(x, withDivergence: true);
            var loss = DyToxLoss.Compute(output, targets, classesPerTask, teacherLogits, divergenceTargets);
            loss.Total.Item();
            Tape.Backward(loss.Total);
            optimizer.Step();
        }

        public void Infer()
        {
            using var scope = TensorScope.Begin();
            using var mode = student.TrainingMode(false);
            using var noGrad = GradMode.NoGrad();
            student.Forward(new Variable(images), withDivergence: true);
        }

        public void Dispose()
        {
            optimizer.Dispose();
            teacher.Dispose();
            student.Dispose();
            images.Dispose();
            targets.Dispose();
            divergenceTargets.Dispose();
        }
    }
}
