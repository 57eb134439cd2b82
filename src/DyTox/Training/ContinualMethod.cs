namespace DyTox.Training;

/// <summary>What the trainer runs on a scenario.</summary>
public enum ContinualMethod
{
    /// <summary>DyTox (DyTox+ with MixUp, DyTox++ with ASAM, per the settings).</summary>
    DyTox,

    /// <summary>Naive fine-tuning lower bound: one task token, one classifier that grows with the classes,
    /// no rehearsal memory, no distillation, no divergence head, no finetuning phase.</summary>
    Naive,

    /// <summary>Joint-training upper bound: all classes at once in a single task.</summary>
    Joint,
}
