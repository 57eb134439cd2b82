using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using DyTox.Data.Augmentation;
using DyTox.Model;
using DyTox.Tensor.IO;

namespace DyTox.Cli;

/// <summary>
/// Writes what <c>inspect</c> produces into one folder:
/// <list type="bullet">
/// <item><c>attention.safetensors</c> (float32 unless noted): <c>sab.{i}.gates</c> [H], <c>sab.{i}.pos_attn</c> [H, N, N],
/// <c>sab.{i}.content_attn</c> and <c>sab.{i}.attn</c> [K, H, N, N], <c>tab.{j}.task.{t}.attn</c> [K, H, 1+N] (key 0 =
/// the task token), <c>images</c> [K, C, H, W] (the normalised model inputs), <c>logits</c> [K, classes],
/// <c>labels</c> and <c>predictions</c> [K] (int32, the model's class indices); attention rollout
/// (<see cref="AttentionRollout"/>): <c>sab.rollout</c> [K, N, N] through all SABs and <c>tab.{j}.task.{t}.rollout</c>
/// [K, N], the input patches each task token reads.</item>
/// <item><c>summary.json</c>: per SAB and head the gate σ and the mean attention distance (patch units) of the
/// content, positional and mixed attention; per TAB and task the entropy of the token's attention over the patches
/// and its mass on the token itself vs the patches (per head and head-averaged); per image the true and predicted
/// labels.</item>
/// <item><c>task_attention/img{k}_tab{j}.png</c>: the image, then each task token's attention over the patches
/// (head-averaged) over the image; <c>img{k}_tab{j}_rollout.png</c> the same for the rollouts; <c>positional/sab{i}_centre.png</c>: per head, the positional attention of the
/// centre patch.</item>
/// </list>
/// </summary>
internal static class InspectionWriter
{
    /// <summary>The inspected images: CHW pixels (normalised), labels (model indices), dataset indices and original
    /// class ids, the logits [K, classes] and the normaliser (to show the pixels).</summary>
    public sealed record Batch(float[] Pixels, int Channels, int Size, int[] Labels, int[] DatasetIndices, int[] OriginalLabels,
                               AttentionMap Logits, ImageNormalizer Normalizer)
    {
        public int Count => Labels.Length;
    }

    public sealed record RunInfo(string RunDirectory, int TasksCompleted, int[] ClassesPerTask, string Split, int Heads);

    public sealed record Result(int Correct, int Files);

    public static Result Write(string directory, RunInfo run, Batch batch, AttentionSnapshot attention)
    {
        Directory.CreateDirectory(directory);
        var sabRollout = AttentionRollout.ThroughSabs(attention);
        var taskRollouts = attention.Tabs.Select((_, j) => AttentionRollout.TaskTokens(attention, sabRollout, j)).ToArray();
        var predictions = Enumerable.Range(0, batch.Count).Select(k => ArgMax(batch.Logits.Row(k))).ToArray();
        int files = 0;

        SafeTensorsFile.Write(Path.Combine(directory, "attention.safetensors"), Entries(batch, predictions, attention, sabRollout, taskRollouts),
                              new Dictionary<string, string>
                              {
                                  ["grid_side"] = attention.GridSide.ToString(CultureInfo.InvariantCulture),
                                  ["classes_per_task"] = string.Join(',', run.ClassesPerTask),
                                  ["split"] = run.Split,
                              });
        files++;

        var summary = Summary(run, batch, predictions, attention);
        File.WriteAllText(Path.Combine(directory, "summary.json"), summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        files++;

        files += WriteHeatmaps(directory, batch, attention, taskRollouts);
        return new Result(predictions.Where((p, k) => p == batch.Labels[k]).Count(), files);
    }

    private static IEnumerable<SafeTensorEntry> Entries(Batch batch, int[] predictions, AttentionSnapshot attention,
                                                        AttentionMap sabRollout, AttentionMap[] taskRollouts)
    {
        foreach (var sab in attention.Sabs)
        {
            yield return Float($"sab.{sab.Block}.gates", sab.Gates.Values, sab.Gates.Shape);
            yield return Float($"sab.{sab.Block}.pos_attn", sab.PositionalAttention.Values, sab.PositionalAttention.Shape);
            yield return Float($"sab.{sab.Block}.content_attn", sab.ContentAttention.Values, sab.ContentAttention.Shape);
            yield return Float($"sab.{sab.Block}.attn", sab.Attention.Values, sab.Attention.Shape);
        }
        foreach (var tab in attention.Tabs)
            for (int t = 0; t < tab.TaskCount; t++)
            {
                var task = tab.Task(t);
                yield return Float($"tab.{tab.Block}.task.{t}.attn", task.Values, task.Shape);
            }
        yield return Float("sab.rollout", sabRollout.Values, sabRollout.Shape);
        for (int j = 0; j < attention.Tabs.Count; j++)
            for (int t = 0; t < taskRollouts[j].Shape[0]; t++)
            {
                var rollout = taskRollouts[j].Slice(t);
                yield return Float($"tab.{attention.Tabs[j].Block}.task.{t}.rollout", rollout.Values, rollout.Shape);
            }
        yield return Float("images", batch.Pixels, [batch.Count, batch.Channels, batch.Size, batch.Size]);
        yield return Float("logits", batch.Logits.Values, batch.Logits.Shape);
        yield return Int("labels", batch.Labels);
        yield return Int("predictions", predictions);
    }

    private static JsonObject Summary(RunInfo run, Batch batch, int[] predictions, AttentionSnapshot attention)
    {
        var sabs = new JsonArray();
        foreach (var sab in attention.Sabs)
        {
            var content = AttentionMetrics.MeanAttentionDistance(sab.ContentAttention, attention.GridSide);
            var pos = AttentionMetrics.MeanAttentionDistance(sab.PositionalAttention, attention.GridSide);
            var mixed = AttentionMetrics.MeanAttentionDistance(sab.Attention, attention.GridSide);
            var heads = new JsonArray();
            for (int h = 0; h < sab.Gates.Values.Length; h++)
                heads.Add((JsonNode)new JsonObject
                {
                    ["head"] = h,
                    ["gate"] = sab.Gates.Values[h],
                    ["distance_content"] = content[h],
                    ["distance_pos"] = pos[h],
                    ["distance_attn"] = mixed[h],
                });
            sabs.Add((JsonNode)new JsonObject { ["block"] = sab.Block, ["heads"] = heads });
        }

        var tabs = new JsonArray();
        foreach (var tab in attention.Tabs)
        {
            var tasks = new JsonArray();
            for (int t = 0; t < tab.TaskCount; t++)
            {
                var (entropy, tokenMass) = AttentionMetrics.TaskAttentionSummary(tab.Task(t));
                var heads = new JsonArray();
                for (int h = 0; h < entropy.Length; h++)
                    heads.Add((JsonNode)new JsonObject { ["head"] = h, ["entropy"] = entropy[h], ["token_mass"] = tokenMass[h], ["patch_mass"] = 1 - tokenMass[h] });
                tasks.Add((JsonNode)new JsonObject
                {
                    ["task"] = t,
                    ["mean_entropy"] = entropy.Average(),
                    ["token_mass"] = tokenMass.Average(),
                    ["patch_mass"] = 1 - tokenMass.Average(),
                    ["heads"] = heads,
                });
            }
            tabs.Add((JsonNode)new JsonObject { ["block"] = tab.Block, ["tasks"] = tasks });
        }

        var images = new JsonArray();
        for (int k = 0; k < batch.Count; k++)
            images.Add((JsonNode)new JsonObject
            {
                ["index"] = k,
                ["dataset_index"] = batch.DatasetIndices[k],
                ["label"] = batch.Labels[k],
                ["original_label"] = batch.OriginalLabels[k],
                ["predicted"] = predictions[k],
                ["correct"] = predictions[k] == batch.Labels[k],
            });

        return new JsonObject
        {
            ["run"] = run.RunDirectory,
            ["tasks_completed"] = run.TasksCompleted,
            ["classes_per_task"] = new JsonArray(run.ClassesPerTask.Select(c => (JsonNode)c).ToArray()),
            ["split"] = run.Split,
            ["image_count"] = batch.Count,
            ["grid_side"] = attention.GridSide,
            ["heads"] = run.Heads,
            ["notes"] = "distances: mean over query patches and images of sum_j attn_ij * |p_i - p_j| in patch units; " +
                        "entropy: nats, of the task token's weights on the patches renormalised to sum to 1 (uniform = ln N); " +
                        "labels are the model's class indices (original_label: the dataset's class id).",
            ["sabs"] = sabs,
            ["tabs"] = tabs,
            ["images"] = images,
        };
    }

    private static int WriteHeatmaps(string directory, Batch batch, AttentionSnapshot attention, AttentionMap[] taskRollouts)
    {
        int files = 0, side = attention.GridSide, n = attention.Patches;
        string taskDir = Path.Combine(directory, "task_attention");
        Directory.CreateDirectory(taskDir);
        int plane = batch.Size * batch.Size, elements = batch.Channels * plane;
        for (int k = 0; k < batch.Count; k++)
        {
            // Undo Normalize: pixel = value·std + mean, in [0, 1].
            var image = new float[elements];
            for (int c = 0; c < batch.Channels; c++)
                for (int p = 0; p < plane; p++)
                    image[c * plane + p] = batch.Pixels[k * elements + c * plane + p] * batch.Normalizer.Std[c] + batch.Normalizer.Mean[c];
            foreach (var tab in attention.Tabs)
            {
                var perTask = new List<float[]>();
                for (int t = 0; t < tab.TaskCount; t++)
                {
                    var heads = tab.Task(t);
                    var mean = new float[n];
                    for (int h = 0; h < heads.Shape[1]; h++)
                    {
                        var row = heads.Row(k, h);
                        for (int j = 0; j < n; j++) mean[j] += row[1 + j] / heads.Shape[1];
                    }
                    perTask.Add(mean);
                }
                AttentionHeatmaps.WriteTaskStrip(Path.Combine(taskDir, $"img{k}_tab{tab.Block}.png"), image, batch.Channels, batch.Size, perTask, side);
                files++;
            }
            for (int j = 0; j < attention.Tabs.Count; j++)
            {
                var rollouts = Enumerable.Range(0, taskRollouts[j].Shape[0]).Select(t => taskRollouts[j].Row(t, k).ToArray()).ToList();
                AttentionHeatmaps.WriteTaskStrip(Path.Combine(taskDir, $"img{k}_tab{attention.Tabs[j].Block}_rollout.png"), image, batch.Channels, batch.Size, rollouts, side);
                files++;
            }
        }

        string posDir = Path.Combine(directory, "positional");
        Directory.CreateDirectory(posDir);
        int centre = side / 2 * side + side / 2;
        foreach (var sab in attention.Sabs)
        {
            var perHead = Enumerable.Range(0, sab.PositionalAttention.Shape[0]).Select(h => sab.PositionalAttention.Row(h, centre).ToArray()).ToList();
            AttentionHeatmaps.WriteHeadTiles(Path.Combine(posDir, $"sab{sab.Block}_centre.png"), perHead, side);
            files++;
        }
        return files;
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
        return best;
    }

    private static SafeTensorEntry Float(string name, float[] values, int[] shape) =>
        new(name, SafeTensorDTypes.F32, shape.Select(d => (long)d).ToArray(), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    private static SafeTensorEntry Int(string name, int[] values) =>
        new(name, SafeTensorDTypes.I32, [values.Length], MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}
