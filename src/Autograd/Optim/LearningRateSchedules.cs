namespace DyTox.Autograd;

/// <summary>A per-epoch learning-rate schedule: the rate epoch <c>e</c> (0-based) trains at.</summary>
public interface ILearningRateSchedule
{
    double LearningRate(int epoch);
}

/// <summary>The same rate every epoch (DyTox's finetuning phase).</summary>
public sealed class ConstantSchedule(double learningRate) : ILearningRateSchedule
{
    public double LearningRate(int epoch) => learningRate;
}

/// <summary>
/// timm CosineLRScheduler with linear warmup, stepped once per epoch as DyTox does (dytox-spec §2.4):
/// f(t) = warmupLr + t·(lr − warmupLr)/warmupEpochs for t &lt; warmupEpochs, else
/// minLr + ½(lr − minLr)(1 + cos(π t / totalEpochs)) (minLr once t ≥ totalEpochs). The scheduler is stepped with
/// the index of the epoch that just finished, so epoch e trains at f(e − 1); epoch 0 trains at the rate set at
/// construction (warmupLr when warming up) — epochs 0 and 1 both at warmupLr.
/// </summary>
public sealed class CosineWithWarmup : ILearningRateSchedule
{
    public CosineWithWarmup(double baseLearningRate, int totalEpochs = 500, double minLearningRate = 1e-5, int warmupEpochs = 5, double warmupLearningRate = 1e-6)
    {
        if (totalEpochs <= 0) throw new ArgumentOutOfRangeException(nameof(totalEpochs), totalEpochs, "the cosine period must be positive.");
        if (warmupEpochs < 0) throw new ArgumentOutOfRangeException(nameof(warmupEpochs), warmupEpochs, "warmup epochs must be non-negative.");
        BaseLearningRate = baseLearningRate;
        TotalEpochs = totalEpochs;
        MinLearningRate = minLearningRate;
        WarmupEpochs = warmupEpochs;
        WarmupLearningRate = warmupLearningRate;
    }

    public double BaseLearningRate { get; }
    public int TotalEpochs { get; }
    public double MinLearningRate { get; }
    public int WarmupEpochs { get; }
    public double WarmupLearningRate { get; }

    /// <summary>timm's rate after <c>step(t)</c>.</summary>
    public double ValueAt(int t)
    {
        if (t < WarmupEpochs) return WarmupLearningRate + t * (BaseLearningRate - WarmupLearningRate) / WarmupEpochs;
        if (t >= TotalEpochs) return MinLearningRate;
        return MinLearningRate + 0.5 * (BaseLearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * t / TotalEpochs));
    }

    public double LearningRate(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "epochs are 0-based.");
        if (epoch == 0) return WarmupEpochs > 0 ? WarmupLearningRate : BaseLearningRate;
        return ValueAt(epoch - 1);
    }
}
