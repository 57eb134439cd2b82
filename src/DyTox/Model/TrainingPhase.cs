namespace DyTox.Model;

/// <summary>What is trainable when (dytox-spec §2.6).</summary>
public enum TrainingPhase
{
    /// <summary>Task 0: everything trainable.</summary>
    Task0,

    /// <summary>Main training of a task t ≥ 1: old task tokens and old heads frozen.</summary>
    TaskMain,

    /// <summary>Balanced finetuning: patch embedding, positional embedding and SABs frozen; old tokens and heads
    /// trainable again.</summary>
    Finetune,
}
