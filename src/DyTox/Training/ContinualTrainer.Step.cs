using DyTox.Autograd;
using DyTox.Model;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Training;

// One training step: the data-parallel replicas' forward and backward passes (in turn on one device, or at once on a
// device each), the rank-ordered gradient mean, SAM's second pass and the optimizer step.
public sealed partial class ContinualTrainer
{
    /// <summary>One optimizer step over the global batch: every replica's batch-mean loss is backpropagated on its
    /// own, the replicas' gradients are averaged in rank order (<see cref="ReplicaGradients"/>), and with SAM the
    /// same is done again at the perturbed weights. Returns the mean of the replicas' losses.</summary>
    private double TrainStep(int t, TrainerPhase phase, HostBatch[] batches, int epoch, int step,
                             Optimizer optimizer, ReplicaGradients gradients, StepParameters trainable, SharpnessAwareMinimization? sam, ReplicaStreams streams)
    {
        using var scope = TensorScope.Begin();
        Tape.Current.Clear();
        int count = batches.Length;
        var main = LossesOf(t, phase);
        bool sharpness = sam is not null && phase == TrainerPhase.Train;
        bool twoPasses = sharpness && sam!.TakesBothPasses(step);
        var kept = twoPasses ? new ReplicaInput?[count] : null; // SAM's second pass reuses each replica's batch
        try
        {
            optimizer.ZeroGrad();
            var losses = ReplicaPasses(batches, main, streams, gradients, trainable, kept);
            double lossSum = 0;
            foreach (double value in losses)
            {
                if (!double.IsFinite(value))
                    throw new InvalidOperationException($"task {t} {phase} epoch {epoch}: the loss became {value}; stopping before the weights are corrupted (the last checkpoint is intact).");
                lossSum += value;
            }
            gradients.Reduce();
            ClipGradients(trainable);
            if (kept is not null)
            {
                sam!.Perturb(trainable.Master);
                replicas?.Broadcast(trainable.Master, trainable.Copies!);
                optimizer.ZeroGrad();
                ReplicaPasses(batches, main, streams, gradients, trainable, kept);
                gradients.Reduce();
                ClipGradients(trainable);
                sam.Restore();
            }
            else if (sharpness) sam!.AddLookSamDirection(trainable.Master); // LookSAM between its full steps
            optimizer.Step();
            replicas?.Broadcast(trainable.Master, trainable.Copies!);
            return lossSum / count;
        }
        finally
        {
            if (kept is not null) foreach (var input in kept) input?.Dispose();
        }
    }

    /// <summary>The original's <c>clip_grad</c>: its loss scaler clips after every backward pass, on the gradient that
    /// DistributedDataParallel has already averaged over the replicas, so here after the rank-ordered mean (the same
    /// bits for any number of devices).</summary>
    private void ClipGradients(StepParameters trainable)
    {
        if (settings.ClipGradNorm is double maxNorm) GradientClipping.ClipByTotalNorm(trainable.Master, maxNorm);
    }

    /// <summary>
    /// One forward and backward pass of every replica, whose gradients are then collected in rank order. On one device the
    /// replicas take turns; with a device per replica they run at once (rank 0 on this thread, the others on threads of
    /// their own) and their gradients come over to rank 0's device afterwards. With <paramref name="kept"/>, rank 0's inputs
    /// are kept for a second pass (SAM) on one device; the other devices prepare theirs again (the same bits: the teacher
    /// runs in evaluation mode).
    /// </summary>
    private double[] ReplicaPasses(HostBatch[] batches, StepLosses main, ReplicaStreams streams, ReplicaGradients gradients,
                                   StepParameters trainable, ReplicaInput?[]? kept)
    {
        int count = batches.Length;
        var losses = new double[count];
        if (replicas is null)
        {
            for (int r = 0; r < count; r++)
            {
                losses[r] = KeptPass(r, batches[r], main, streams, kept);
                gradients.Collect(trainable.Master);
            }
            return losses;
        }
        var others = new Task[count - 1];
        for (int r = 1; r < count; r++)
        {
            int rank = r;
            others[r - 1] = Task.Factory.StartNew(() => losses[rank] = DevicePass(rank, batches[rank], main, streams),
                                                  CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        Exception? failure = null;
        try { losses[0] = KeptPass(0, batches[0], main, streams, kept); }
        catch (Exception e) { failure = e; }
        try { Task.WaitAll(others); }
        catch (AggregateException e) { failure ??= e.InnerExceptions[0]; }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        gradients.Collect(trainable.Master);
        for (int r = 1; r < count; r++) gradients.Collect(trainable.Master, trainable.Copies![r], replicas.Transfer);
        return losses;
    }

    // A pass of the trainer's own model (replica `rank` on one device, or rank 0), its inputs kept for SAM's second pass.
    private double KeptPass(int rank, HostBatch batch, StepLosses main, ReplicaStreams streams, ReplicaInput?[]? kept)
    {
        var input = kept?[rank] ?? PrepareReplica(model, teacher, trainImages, batch, main);
        if (kept is not null) kept[rank] = input;
        try { return BackwardReplica(model, input, rank, main, streams); }
        finally { if (kept is null) input.Dispose(); }
    }

    // Replica `rank`'s pass on its own device, on its own thread: its batch uploaded there, its teacher's logits, its
    // forward and backward, in a scope (and on a tape) of its own. Its gradients stay in its parameters until collected.
    private double DevicePass(int rank, HostBatch batch, StepLosses main, ReplicaStreams streams)
    {
        using var scope = TensorScope.Begin();
        Tape.Current.Clear();
        var replica = replicas!.Model(rank);
        replica.ZeroGrad();
        using var input = PrepareReplica(replica, replicas.Teacher(rank), replicas.Images(rank), batch, main);
        return BackwardReplica(replica, input, rank, main, streams);
    }

    /// <summary>The replicas' models by rank: one model for all when they take turns on one device.</summary>
    private IReadOnlyList<DyToxModel> ModelsByRank(int count) =>
        replicas is null ? Enumerable.Repeat(model, count).ToArray() : Enumerable.Range(0, count).Select(r => r == 0 ? model : replicas.Model(r)).ToArray();

    /// <summary>The trainable parameters of a phase: the model's, and each replica device's copies of them (null on one device).</summary>
    private sealed record StepParameters(List<Parameter> Master, Parameter[][]? Copies)
    {
        public static StepParameters Of(List<Parameter> master, DeviceReplicas? replicas) =>
            new(master, replicas is null ? null
                : Enumerable.Range(0, replicas.Count).Select(r => r == 0 ? master.ToArray() : replicas.CopiesOf(r, master)).ToArray());
    }

    /// <summary>The loss terms beyond the BCE that a step of task t's phase trains with: in DyTox's main training of t ≥ 1
    /// distillation and (head_div_mode tr) the divergence head; in its finetuning what finetuning_teacher and
    /// head_div_mode ft ask for; none in task 0 and for the baselines.</summary>
    private StepLosses LossesOf(int t, TrainerPhase phase)
    {
        if (t == 0 || settings.Method != ContinualMethod.DyTox) return new StepLosses(false, false);
        return phase == TrainerPhase.Train
            ? new StepLosses(Distill: settings.Distillation, Diverge: settings.DivergenceInMainTraining)
            : new StepLosses(Distill: settings.FinetuningDistillation && settings.Distillation, Diverge: settings.DivergenceInFinetuning);
    }

    /// <summary>Which terms join the BCE in a step's loss.</summary>
    private readonly record struct StepLosses(bool Distill, bool Diverge)
    {
        public bool Any => Distill || Diverge;
    }

    /// <summary>One replica's batch on its device: its images and targets (prepared on the host by <see cref="EpochBatches"/>)
    /// and, as the step's losses need them, its teacher's logits and the divergence targets.</summary>
    private ReplicaInput PrepareReplica(DyToxModel student, DyToxModel? kdTeacher, BatchAssembler images, HostBatch batch, StepLosses main)
    {
        int count = batch.Count, classes = student.TotalClasses, oldClasses = student.OldClasses;
        var device = student.Backend;
        var x = new Variable(images.ToTensor(batch.Pixels, count));
        var y = device.Empty(dtype, [count, classes]);
        images.Upload(batch.Targets, y);

        TensorT? teacherLogits = null, divTargets = null;
        if (main.Distill)
        {
            using (GradMode.NoGrad()) teacherLogits = kdTeacher!.Forward(x, withDivergence: false).Logits.Value;
        }
        if (main.Diverge)
        {
            divTargets = settings.MixesImages
                ? DyToxLoss.DivergenceTargets(y, oldClasses)
                : DyToxLoss.DivergenceTargets(batch.Labels, oldClasses, classes - oldClasses, device, dtype);
        }
        return new ReplicaInput(x, y, teacherLogits, divTargets);
    }

    /// <summary>Forward and backward of one replica's loss in a scope of its own (its activations go back to the
    /// pool before the next replica runs); its gradient stays in <paramref name="student"/>'s parameters.</summary>
    private double BackwardReplica(DyToxModel student, ReplicaInput input, int rank, StepLosses main, ReplicaStreams streams)
    {
        using var scope = TensorScope.Begin();
        streams.Enter(rank);
        var output = student.Forward(input.X, withDivergence: main.Diverge);
        var loss = main.Any
            ? DyToxLoss.Compute(output, input.Y, student.OldClasses, input.TeacherLogits, input.DivergenceTargets, settings.DivergenceWeight,
                                settings.DistillationTemperature).Total
            : DyToxLoss.Classification(output.Logits, input.Y);
        double value = loss.Item();
        if (double.IsFinite(value)) Tape.Backward(loss);
        else Tape.Current.Clear();
        streams.Leave(rank);
        return value;
    }

    private sealed record ReplicaInput(Variable X, TensorT Y, TensorT? TeacherLogits, TensorT? DivergenceTargets) : IDisposable
    {
        public void Dispose()
        {
            X.Value.Dispose();
            Y.Dispose();
            TeacherLogits?.Dispose();
            DivergenceTargets?.Dispose();
        }
    }
}
