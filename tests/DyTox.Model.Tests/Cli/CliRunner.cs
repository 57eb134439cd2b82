using System.CommandLine;

namespace DyTox.Model.Tests.Cli;

/// <summary>Runs a command as a user would, with the console captured. Fixtures that use it redirect the
/// process-wide Console and so must be [NonParallelizable].</summary>
internal static class CliRunner
{
    /// <summary>2 tasks of 5 synthetic classes (32×32 RGB, patch 8 → 16 patches), a D = 16 model with 4 heads,
    /// 1 SAB + 1 TAB, one epoch per task: about a second on the CPU.</summary>
    public const string TinySynthetic = """
        data_set: synthetic
        initial_increment: 5
        increment: 5
        model: convit
        embed_dim: 16
        depth: 2
        num_heads: 4
        patch_size: 8
        input_size: 32
        local_up_to_layer: 1
        class_attention: true
        epochs: 1
        base_epochs: 1
        warmup_epochs: 0
        batch_size: 32
        lr: 0.01
        memory_size: 20
        rehearsal: icarl_all
        finetuning: balanced
        finetuning_epochs: 1
        dytox: true
        ind_clf: 1-1
        bce_loss: true
        head_div: 0.1
        mixup: 0.0
        cutmix: 0.0
        reprob: 0.0
        """;

    /// <summary>Parses and invokes <paramref name="command"/>; returns its exit code, standard output and error.</summary>
    public static (int Code, string Out, string Err) Run(Command command, params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var o = new StringWriter();
        using var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            int code = command.Parse(args).Invoke();
            return (code, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
