namespace DyTox.Metrics;

/// <summary>
/// What one training step cost: wall seconds of the step (main training, herding, finetuning and its final
/// evaluation; a step resumed from a checkpoint counts only the time since the resume), and the peaks so far of the
/// process's resident host memory and of the backend's tensor memory (in use, and reserved by its pool).
/// </summary>
public sealed record StepCost(double Seconds, long PeakHostBytes, long PeakTensorBytes, long TensorPoolBytes);
