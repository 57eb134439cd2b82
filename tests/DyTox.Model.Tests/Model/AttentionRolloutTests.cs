namespace DyTox.Model.Tests.Model;

/// <summary>Attention rollout on hand-made snapshots (2×2 patch grid, 2 heads): the numbers are worked out by hand.</summary>
public sealed class AttentionRolloutTests
{
    private static AttentionMap Map(int[] shape, params float[] values) => new(values, shape);

    /// <summary>One image, N = 4 patches. SAB attention per head [1, H, 4, 4]; both heads given.</summary>
    private static SabAttentionSnapshot Sab(int block, float[] head0, float[] head1)
    {
        var attn = Map([1, 2, 4, 4], [.. head0, .. head1]);
        return new SabAttentionSnapshot(block, Map([2], 0.5f, 0.5f), Map([2, 4, 4], new float[32]), attn, attn);
    }

    private static readonly float[] Identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
    private static readonly float[] Swap01 = [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]; // patches 0 and 1 read each other

    [Test]
    public void SabRolloutMultipliesHalfAttentionPlusHalfIdentity()
    {
        // Heads (swap, identity) average to ½·swap + ½·I on patches 0/1; Ã = ½·that + ½·I = [[.75, .25], [.25, .75]] there.
        var one = new AttentionSnapshot(2, [Sab(0, Swap01, Identity)], []);
        var r = AttentionRollout.ThroughSabs(one);
        Assert.That(r.Row(0, 0).ToArray(), Is.EqualTo(new[] { 0.75f, 0.25f, 0f, 0f }));
        Assert.That(r.Row(0, 2).ToArray(), Is.EqualTo(new[] { 0f, 0f, 1f, 0f }));
        // Two such layers: [[.75, .25], [.25, .75]]² = [[.625, .375], [.375, .625]].
        var two = new AttentionSnapshot(2, [Sab(0, Swap01, Identity), Sab(1, Swap01, Identity)], []);
        var r2 = AttentionRollout.ThroughSabs(two);
        Assert.That(r2.Row(0, 1).ToArray(), Is.EqualTo(new[] { 0.375f, 0.625f, 0f, 0f }));
        for (int i = 0; i < 4; i++) Assert.That(r2.Row(0, i).ToArray().Sum(), Is.EqualTo(1f).Within(1e-6f), "rows stay distributions");
    }

    [Test]
    public void TaskTokenRolloutIsItsPatchAttentionThroughTheSabs()
    {
        // Task token 0 (both heads): 0.2 on itself, 0.8 on patch 0. Token 1: head 0 on patch 2, head 1 on patch 3.
        var tab = Map([2, 1, 2, 5],
            0.2f, 0.8f, 0, 0, 0, /**/ 0.2f, 0.8f, 0, 0, 0,
            0f, 0, 0, 1, 0, /**/ 0f, 0, 0, 0, 1);
        var snapshot = new AttentionSnapshot(2, [Sab(0, Swap01, Identity)], [new TabAttentionSnapshot(0, tab)]);
        var rollout = AttentionRollout.TaskTokens(snapshot, AttentionRollout.ThroughSabs(snapshot), 0);
        Assert.That(rollout.Shape, Is.EqualTo(new[] { 2, 1, 4 }));
        // 0.8 on patch 0, whose SAB output holds .75 of input patch 0 and .25 of patch 1: (0.6, 0.2); sums to 0.8.
        Assert.That(rollout.Row(0, 0).ToArray(), Is.EqualTo(new[] { 0.6f, 0.2f, 0f, 0f }).Within(1e-6f));
        Assert.That(rollout.Row(1, 0).ToArray(), Is.EqualTo(new[] { 0f, 0f, 0.5f, 0.5f }).Within(1e-6f));

        // Without SABs the rollout is the head-averaged patch attention itself.
        var bare = new AttentionSnapshot(2, [], [new TabAttentionSnapshot(0, tab)]);
        Assert.That(AttentionRollout.TaskTokens(bare, AttentionRollout.ThroughSabs(bare), 0).Row(0, 0).ToArray(),
                    Is.EqualTo(new[] { 0.8f, 0f, 0f, 0f }).Within(1e-6f));
    }
}
