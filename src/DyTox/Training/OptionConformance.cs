using System.Globalization;
using DyTox.Options;
using DyTox.Model;

namespace DyTox.Training;

/// <summary>
/// The original's options that this trainer does not vary. A key that a file or flag sets must have the value the
/// trainer implements (the one in the original's DyTox model files), or the run stops with an error naming the key,
/// where it was set and the supported value: an option is honoured or refused, never silently ignored. Keys that no
/// file sets are not checked: they behave as in the DyTox model files (the original's argparse defaults describe
/// its plain ConViT baseline, e.g. <c>auto_kd: false</c>). <see cref="NoEffect"/> lists the keys that cannot change
/// a run of this implementation (process and logging plumbing, parameters of features that are off).
/// </summary>
public static class OptionConformance
{
    /// <summary>Keys accepted with any value because they do not affect a run here, and why.</summary>
    public static IReadOnlyDictionary<string, string> NoEffect { get; } = new Dictionary<string, string>
    {
        ["num_workers"] = "data loading runs on the trainer's own threads",
        ["pin_mem"] = "data loading runs on the trainer's own threads",
        ["local_rank"] = "one process per run",
        ["dist_url"] = "one process per run",
        ["dist_eval"] = "one process evaluates the whole test set (the original's numbers are identical either way)",
        ["output_dir"] = "everything of a run goes to output_basedir/<data_set>/<log_category>/<name>",
        ["log_path"] = "everything of a run goes to output_basedir/<data_set>/<log_category>/<name>",
        ["inat_category"] = "iNaturalist is not a data set of this implementation",
        ["start_epoch"] = "unused by the original too; resuming inside a task is automatic",
        ["decay_epochs"] = "step/plateau schedules only; the schedule is cosine",
        ["decay_rate"] = "cycle decay of a cosine schedule with a single cycle has no effect",
        ["patience_epochs"] = "plateau schedule only; the schedule is cosine",
        ["cooldown_epochs"] = "the original trains exactly epochs/base_epochs per task; timm's cooldown is not added",
        ["resplit"] = "the original's build_transform never passes it to timm (no split batches)",
        ["pod_scales"] = "POD is not implemented (pod must be unset)",
        ["pod_scaling"] = "POD is not implemented (pod must be unset)",
        ["replay_memory"] = "the batch size of the original's separate memory loader, which only its 'memory' SAM steps and MixUp 'old' read (both refused)",
        ["kd"] = "the original's fixed-weight distillation is only reached with a teacher, which it creates only with auto_kd, whose branch comes first",
        ["sam_div"] = "the original's SAM stores it and never uses it",
        ["lr_noise_std"] = "timm ≈0.3–0.4's scheduler never reads it (its noise is a standard normal bounded by lr_noise_pct)",
        ["options"] = "the train command's --options lists the option files",
        ["no_amp"] = "autocast is not implemented: every run computes in --dtype; on CUDA the train flag --bf16-gemm runs the GEMMs in bfloat16 (the CLI notes it when a file asks for AMP)",
    };

    /// <summary>Throws an <see cref="OptionsException"/> for the first explicitly set key whose value is not implemented.</summary>
    public static void Check(DyToxOptions o, ContinualMethod method)
    {
        bool dytox = method == ContinualMethod.DyTox;
        bool sam = o.SamRho > 0;
        Require(o, "dytox", !dytox || o.Dytox, "true with --method dytox (--method naive trains the single-token baseline)");
        Require(o, "head_div", !dytox || o.HeadDiv > 0, "a positive weight (the divergence head is part of every DyTox model)");
        Require(o, "head_div_mode", o.HeadDivMode.All(m => m is "tr" or "ft") && o.HeadDivMode.Distinct().Count() == o.HeadDivMode.Count,
                "phases among tr (main training) and ft (finetuning), each at most once");
        Require(o, "distillation_tau", o.DistillationTau > 0, "a positive temperature");
        Require(o, "opt_betas", o.OptBetas is null || (o.OptBetas.Count == 2 && o.OptBetas.All(b => b is >= 0 and < 1)), "two values in [0, 1) or null");
        Require(o, "opt_eps", o.OptEps > 0, "a positive ε");
        Require(o, "clip_grad", o.ClipGrad is null || (o.ClipGrad > 0 && double.IsFinite(o.ClipGrad.Value)), "a positive maximum gradient norm, or null (no clipping)");
        Require(o, "lr_noise", o.LrNoise is null || (o.LrNoise.Count is 1 or 2 && o.LrNoise.All(f => f >= 0)), "null or one or two non-negative fractions of the epochs");
        Require(o, "lr_noise_pct", o.LrNoisePct > 0, "a positive bound");
        Require(o, "train_interpolation", o.TrainInterpolation == "bicubic", "bicubic");
        Require(o, "mixup_prob", o.MixupProb is >= 0 and <= 1, "a probability in [0, 1]");
        Require(o, "cutmix", o.Cutmix >= 0, "CutMix's non-negative Beta parameter (0: off)");
        Require(o, "cutmix_minmax", o.CutmixMinmax is null || (o.CutmixMinmax.Count == 2 && o.CutmixMinmax[0] >= 0 && o.CutmixMinmax[0] < o.CutmixMinmax[1] && o.CutmixMinmax[1] <= 1),
                "null or two fractions [min, max] with 0 ≤ min < max ≤ 1");
        Require(o, "mixup_switch_prob", o.MixupSwitchProb is >= 0 and <= 1, "a probability in [0, 1]");
        Require(o, "reprob", o.Reprob is >= 0 and <= 1, "random erasing's probability in [0, 1]");
        Require(o, "remode", o.Remode.ToLowerInvariant() is "pixel" or "rand" or "const" or "", "pixel, rand or const");
        Require(o, "recount", o.Recount >= 1, "at least one box");
        Require(o, "mixup_mode", o.MixupMode is "batch" or "pair" or "elem",
                "batch, pair or elem (the original's 'old' mixes the images within the batch but the targets with random memory labels)");
        Require(o, "sam_first", !sam || o.SamFirst == "main", "main (the 'memory' variant reads batches from a separate memory loader, which is not implemented)");
        Require(o, "sam_second", !sam || o.SamSecond == "main", "main (the 'memory' variant reads batches from a separate memory loader, which is not implemented)");
        Require(o, "sam_final", o.SamFinal is null or >= 0, "null or the last task's non-negative radius");
        Require(o, "sam_mode", o.SamMode.All(m => m is "tr" or "ft") && o.SamMode.Distinct().Count() == o.SamMode.Count,
                "phases among tr (main training) and ft (no effect, as in the original), each at most once");
        Require(o, "look_sam_k", o.LookSamK >= 0, "0 (LookSAM off) or LookSAM's interval k > 0");
        Require(o, "look_sam_alpha", double.IsFinite(o.LookSamAlpha), "a finite α");

        Require(o, "world_size", o.WorldSize >= 1, "a positive number of data-parallel replicas");
        Require(o, "reference_sampler", !o.ReferenceSampler || o.WorldSize == 1,
                "false when world_size > 1 (the original's sampler defect happens in single-process runs only)");
        Require(o, "oversample_memory", o.OversampleMemory >= 0, "how many times the memory joins a task's data: 0 or more");
        Require(o, "oversample_memory_ft", o.OversampleMemoryFt >= 1, "how many times each old exemplar appears in the finetuning set: 1 or more");
        Require(o, "only_ft", !o.OnlyFt, "false");
        Require(o, "retrain_scratch", !o.RetrainScratch, "false");
        Require(o, "freeze_task", o.FreezeTask.All(g => DyToxModel.FreezeGroupNames.Contains(g)), $"groups among {string.Join(", ", DyToxModel.FreezeGroupNames)}");
        Require(o, "freeze_ft", o.FreezeFt.All(g => DyToxModel.FreezeGroupNames.Contains(g)), $"groups among {string.Join(", ", DyToxModel.FreezeGroupNames)}");
        Require(o, "freeze_eval", !o.FreezeEval, "false");
        Require(o, "eval", !o.Eval, "false (to look at a trained run use the inspect command)");
        // A run resumes by itself from its own checkpoint; resume + start_task start a new run from another run's task snapshot.
        Require(o, "resume", o.Resume == "" || o.StartTask > 0, "\"\", or a run folder together with start_task ≥ 1 (to resume this run, run the same command again)");
        Require(o, "start_task", o.StartTask == 0 || o.Resume != "", "0, or ≥ 1 together with resume: the run folder whose task snapshot to start from");
        Require(o, "save_every_epoch", o.SaveEveryEpoch is null or > 0, "a positive number of epochs or null");
        Require(o, "max_task", o.MaxTask is null or > 0, "a positive number of tasks or null");
        Require(o, "model", o.Model == "convit", "convit (DyTox's ConViT backbone)");
        Require(o, "device", o.Device is "cpu" or "cuda", "cpu or cuda (the train command's --device overrides it)");
        Require(o, "norm", o.Norm == "layer", "layer (LayerNorm; ConViT's scale norm is not implemented)");
        Require(o, "validation", o.Validation is >= 0 and < 1, "a fraction in [0, 1) of each task's training images to hold out for validation");
        if (!string.IsNullOrEmpty(o.Aa))
        {
            try { Data.Augmentation.RandAugmentOptions.Parse(o.Aa); }
            catch (ArgumentException e) { throw new OptionsException($"option \"aa\" = \"{o.Aa}\" (from {o.SourceOf("aa")}) is not supported: {e.Message}"); }
        }
        Require(o, "color_jitter", o.ColorJitter >= 0, "a non-negative strength (used with aa: \"\", as timm applies ColorJitter only without RandAugment)");
    }

    private static void Require(DyToxOptions o, string key, bool supported, string expected)
    {
        if (supported || o.SourceOf(key) == "default") return;
        object? value = OptionSchema.TryGet(key, out var option) ? option.Get(o) : null;
        throw new OptionsException($"option \"{key}\" = {Format(value)} (from {o.SourceOf(key)}) is not supported: expected {expected}.");
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        IEnumerable<string> list => "[" + string.Join(", ", list) + "]",
        IEnumerable<double> list => "[" + string.Join(", ", list.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
