using System.Text.Json;
using DyTox.Tensor.IO;

namespace DyTox.Tensor.Tests.IO;

/// <summary>
/// Reads the committed fixtures written by tools/make_fixtures.py (a hand-written implementation of the
/// reference safetensors layout) and checks their structure and internal consistency.
/// </summary>
public class PythonFixtureTests
{
    private static readonly string[] FixtureFiles =
        ["dytox_task0_forward.safetensors", "dytox_task1_step.safetensors", "gpsa_block.safetensors", "tab_block.safetensors"];

    private static string FixturePath(string file)
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "fixtures", file);
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail($"tests/fixtures/{file} not found above {TestContext.CurrentContext.TestDirectory}; " +
                    "regenerate with: /usr/bin/python3 tools/make_fixtures.py --out tests/fixtures");
        return "";
    }

    [TestCaseSource(nameof(FixtureFiles))]
    public void FixtureReadsAndReserialisesByteForByte(string file)
    {
        string path = FixturePath(file);
        var content = SafeTensorsFile.Load(path);
        Assert.That(content.Metadata, Is.Not.Null);
        Assert.That(content.Metadata!["format"], Is.EqualTo("dytox-fixture-v1"));
        Assert.That(content.Tensors.Select(t => t.DType).Distinct(), Is.SubsetOf(new[] { "F64", "I64" }));
        // Same tensor order, header bytes and padding as the Python writer (which follows the reference library).
        Assert.That(SafeTensorsFile.Serialize(content.Tensors, content.Metadata), Is.EqualTo(File.ReadAllBytes(path)));
    }

    [Test]
    public void Task1FixtureHasTheStateDictContractAndConsistentLosses()
    {
        var c = SafeTensorsFile.Load(FixturePath("dytox_task1_step.safetensors"));
        using var config = JsonDocument.Parse(c.Metadata!["config"]);
        int d = config.RootElement.GetProperty("embed_dim").GetInt32();
        int img = config.RootElement.GetProperty("img_size").GetInt32();
        int patch = config.RootElement.GetProperty("patch_size").GetInt32();
        int n = (img / patch) * (img / patch);

        Assert.That(c["pos_embed"].Shape, Is.EqualTo(new long[] { 1, n, d }));
        Assert.That(c["patch_embed.proj.weight"].Shape, Is.EqualTo(new long[] { d, 3, patch, patch }));
        Assert.That(c["sabs.1.attn.qk.weight"].Shape, Is.EqualTo(new long[] { 2 * d, d }));
        Assert.That(c["tabs.0.attn.q.weight"].Shape, Is.EqualTo(new long[] { d, d }));
        Assert.That(c["task_tokens.1"].Shape, Is.EqualTo(new long[] { 1, 1, d }));
        Assert.That(c["head.1.head.weight"].Shape, Is.EqualTo(new long[] { 2, d }));
        Assert.That(c["head_div.head.weight"].Shape, Is.EqualTo(new long[] { 3, d }));
        Assert.That(c["teacher.head.0.head.weight"].Shape, Is.EqualTo(new long[] { 3, d }));
        Assert.That(c.Contains("teacher.task_tokens.1"), Is.False);
        // Frozen old token and head have neither gradients nor updated weights.
        Assert.That(c.Contains("grad.task_tokens.0") || c.Contains("grad.head.0.head.weight") || c.Contains("step3.task_tokens.0"), Is.False);
        Assert.That(c.Contains("grad.task_tokens.1") && c.Contains("step3.head_div.head.bias"), Is.True);
        // Frozen parameters are identical in student and teacher.
        Assert.That(c["task_tokens.0"].Data, Is.EqualTo(c["teacher.task_tokens.0"].Data));

        double Scalar(string name) => SafeTensorConvert.AsDoubles(c[name])[0];
        double alpha = Scalar("alpha");
        Assert.That(alpha, Is.EqualTo(3.0 / 5.0));
        double total = (1 - alpha) * Scalar("loss.clf") + alpha * Scalar("loss.kd") + 0.1 * Scalar("loss.div");
        Assert.That(Scalar("loss.total"), Is.EqualTo(total).Within(1e-15));
        double[] perStep = SafeTensorConvert.ToDoubles(c["loss.per_step"]);
        Assert.That(perStep, Has.Length.EqualTo(4));
        Assert.That(perStep[0], Is.EqualTo(Scalar("loss.total")));
        Assert.That(perStep, Is.Ordered.Descending);
        Assert.That(SafeTensorConvert.ToInt64s(c["y"]), Is.EqualTo(new long[] { 3, 0, 4, 2 }));
    }

    [Test]
    public void GpsaFixtureAttentionRowsAreNormalisedAndOffsetsAreKeyMinusQuery()
    {
        var c = SafeTensorsFile.Load(FixturePath("gpsa_block.safetensors"));
        foreach (string caseName in new[] { "small", "ragged" })
        {
            var attn = c[$"{caseName}.act.attn"];
            int keys = (int)attn.Shape[^1];
            var values = SafeTensorConvert.AsDoubles(attn);
            for (int row = 0; row < values.Length / keys; row++)
            {
                double sum = 0;
                foreach (double v in values.Slice(row * keys, keys)) sum += v;
                Assert.That(sum, Is.EqualTo(1.0).Within(1e-12), $"{caseName} row {row}");
            }

            var rel = c[$"{caseName}.act.rel_indices"];
            int tokens = (int)rel.Shape[0];
            int side = (int)Math.Round(Math.Sqrt(tokens));
            var r = SafeTensorConvert.AsDoubles(rel);
            int query = side + 1, key = 2 * side + 3; // (row 1, col 1) -> (row 2, col 3)
            int at = (query * tokens + key) * 3;
            Assert.That(new[] { r[at], r[at + 1], r[at + 2] }, Is.EqualTo(new[] { 2.0, 1.0, 5.0 }));
        }
    }
}
