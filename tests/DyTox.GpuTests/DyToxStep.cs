using DyTox.Autograd;
using DyTox.Model;
using DyTox.Tensor;

namespace DyTox.GpuTests;

/// <summary>
/// One DyTox training step of the second task, as the trainer runs it (dytox-spec §2): the frozen teacher's
/// forward, the student's forward with the divergence head, BCE + KD + divergence loss, backward, AdamW.
/// The same code runs on any IBackend, so the GPU and the CPU backend can be compared, and timed on the GPU.
/// </summary>
internal sealed class DyToxStep : IDisposable
{
    private readonly DyToxModel _model;
    private readonly DyToxModel _teacher;
    private readonly AdamW _optimizer;
    private readonly DyTox.Tensor.Tensor _imageTensor;
    private readonly Variable _images;
    private readonly int[] _labels;
    private readonly int _oldClasses, _newClasses;
    private readonly IBackend _backend;

    /// <param name="batch">images per step</param>
    /// <param name="oldClasses">classes of the first task (the teacher's)</param>
    /// <param name="newClasses">classes of the second task (trained now)</param>
    public DyToxStep(DyToxConfig config, IBackend backend, int batch, int oldClasses, int newClasses, ulong seed = 21)
    {
        _backend = backend;
        _oldClasses = oldClasses;
        _newClasses = newClasses;
        _model = new DyToxModel(config, backend, DType.Float32, new Rng(seed));
        _model.AddTask(oldClasses);
        _teacher = _model.CloneAsTeacher();
        _model.AddTask(newClasses);
        _model.SetTrainablePhase(TrainingPhase.TaskMain);
        _optimizer = new AdamW(ParamGroup.WeightDecayGroups(_model.NamedParameters(), 1e-3, 1e-6));
        var images = backend.Empty(DType.Float32, [batch, config.InChannels, config.ImageSize, config.ImageSize]);
        Init.Normal(images, 0, 1, new Rng(seed + 1));
        _imageTensor = images;
        _images = new Variable(images);
        int classes = oldClasses + newClasses;
        _labels = Enumerable.Range(0, batch).Select(i => (i * 7 + 3) % classes).ToArray();
    }

    /// <summary>One step; with <paramref name="record"/> the loss, logits and every gradient are appended to it.</summary>
    public void Run(List<(string Name, float[] Values)>? record = null, string prefix = "")
    {
        using var scope = TensorScope.Begin();
        DyTox.Tensor.Tensor teacherLogits;
        using (GradMode.NoGrad()) teacherLogits = _teacher.Forward(_images, false).Logits.Value;
        _optimizer.ZeroGrad();
        var output = _model.Forward(_images, withDivergence: true);
        int classes = _oldClasses + _newClasses;
        var loss = DyToxLoss.Compute(output, DyToxLoss.OneHot(_labels, classes, _backend, DType.Float32), _oldClasses, teacherLogits,
                                     DyToxLoss.DivergenceTargets(_labels, _oldClasses, _newClasses, _backend, DType.Float32));
        record?.Add(($"{prefix}loss", [(float)loss.Total.Item()]));
        record?.Add(($"{prefix}logits", output.Logits.Value.ToArray<float>()));
        Tape.Backward(loss.Total);
        if (record is not null)
            foreach (var (name, p) in _model.NamedParameters())
                if (p.Grad is not null) record.Add(($"{prefix}grad {name}", p.Grad.ToArray<float>()));
        _optimizer.Step();
    }

    /// <summary>The student's weights after the steps run so far.</summary>
    public void RecordWeights(List<(string Name, float[] Values)> record)
    {
        foreach (var (name, p) in _model.NamedParameters()) record.Add(($"weights {name}", p.Value.ToArray<float>()));
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _teacher.Dispose();
        _model.Dispose();
        _imageTensor.Dispose();
    }
}
