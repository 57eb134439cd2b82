using BenchmarkDotNet.Attributes;
using DyTox.Autograd;
using DyTox.Model;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Bench.Model;

/// <summary>
/// One task-1 DyTox training step on the CPU (float32): teacher forward (1 token, no grad), student forward with 2 task
/// tokens and the divergence head, BCE + KD + divergence loss, backward, AdamW on the trainable parameters; and the
/// eval-mode inference forward (2 tokens, no divergence head) at the same batch.
/// dotnet run -c Release --project bench/DyTox.Bench -- --filter '*DyToxStep*'
/// </summary>
[Config(typeof(ModelBenchConfig))]
public class DyToxStepBenchmarks
{
    private DyToxModel student = null!;
    private DyToxModel teacher = null!;
    private AdamW optimizer = null!;
    private Tensor.Tensor images = null!;
    private Tensor.Tensor targets = null!;
    private Tensor.Tensor divergenceTargets = null!;

    [ParamsSource(nameof(Cases))]
    public ModelBenchCase Case { get; set; } = ModelBenchCase.Cifar;

    public static IEnumerable<ModelBenchCase> Cases => ModelBenchCase.All;

    [GlobalSetup]
    public void Setup()
    {
        var be = CpuBackend.Instance;
        var c = Case.Config;
        student = new DyToxModel(c, be, DType.Float32, new Rng(2022));
        student.AddTask(Case.ClassesPerTask);
        teacher = student.CloneAsTeacher();
        student.AddTask(Case.ClassesPerTask);
        student.SetTrainablePhase(TrainingPhase.TaskMain);
        optimizer = new AdamW(ParamGroup.WeightDecayGroups(student.NamedParameters(), 2.5e-4, 1e-6));
        images = TensorScope.Unscoped(() => be.Empty(DType.Float32, [Case.Batch, c.InChannels, c.ImageSize, c.ImageSize]));
        Init.Normal(images, 0, 1, new Rng(7));
        var labels = Enumerable.Range(0, Case.Batch).Select(i => i % (2 * Case.ClassesPerTask)).ToArray();
        targets = TensorScope.Unscoped(() => DyToxLoss.OneHot(labels, 2 * Case.ClassesPerTask, be, DType.Float32));
        divergenceTargets = TensorScope.Unscoped(() => DyToxLoss.DivergenceTargets(labels, Case.ClassesPerTask, Case.ClassesPerTask, be, DType.Float32));
        Console.WriteLine($"// {Case}: {student.ParameterCount(includeDivergenceHead: true):N0} parameters, backend {be.Name}");
    }

    [Benchmark(Description = "task-1 train step")]
    public double TrainStep()
    {
        using var scope = TensorScope.Begin();
        var x = new Variable(images);
        Tensor.Tensor teacherLogits;
        using (GradMode.NoGrad()) teacherLogits = teacher.Forward(x, withDivergence: false).Logits.Value;
        optimizer.ZeroGrad();
        var output = student.Forward(x, withDivergence: true);
        var loss = DyToxLoss.Compute(output, targets, Case.ClassesPerTask, teacherLogits, divergenceTargets);
        double value = loss.Total.Item();
        Tape.Backward(loss.Total);
        optimizer.Step();
        return value;
    }

    [Benchmark(Description = "inference (2 tokens)")]
    public double Inference()
    {
        using var scope = TensorScope.Begin();
        using var mode = student.TrainingMode(false);
        using var noGrad = GradMode.NoGrad();
        return student.Forward(new Variable(images), withDivergence: true).Logits.Value.Numel;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        optimizer.Dispose();
        teacher.Dispose();
        student.Dispose();
        images.Dispose();
        targets.Dispose();
        divergenceTargets.Dispose();
    }
}
