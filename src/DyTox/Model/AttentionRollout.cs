namespace DyTox.Model;

/// <summary>
/// Attention rollout (Abnar &amp; Zuidema, ACL 2020) through DyTox, from an <see cref="AttentionSnapshot"/>. Each SAB's
/// mixed GPSA attention is averaged over heads and the residual connection is modelled as ½·A + ½·I (rows still sum
/// to 1); the SABs' matrices multiply from the first to the last: R = Ã_L ··· Ã_1 [B, N, N], R[i, j] = how much input
/// patch j reaches patch i at the last SAB's output. The TABs read those outputs, so a task token's rollout in a TAB is
/// its head-averaged attention on the patches times R: r[j] = Σ_i a[1 + i]·R[i, j] — the input patches the token reads
/// through the whole network. It sums to the token's attention mass on the patches (1 − its mass on itself).
/// Accumulated in float64.
/// </summary>
public static class AttentionRollout
{
    /// <summary>R [B, N, N] over all SABs (the identity when the model has none).</summary>
    public static AttentionMap ThroughSabs(AttentionSnapshot attention)
    {
        ArgumentNullException.ThrowIfNull(attention);
        int n = attention.Patches;
        int batch = attention.Sabs.Count > 0 ? attention.Sabs[0].Attention.Shape[0]
                  : attention.Tabs.Count > 0 ? attention.Tabs[0].Attention.Shape[1] : 0;
        var result = new float[(long)batch * n * n];
        var rollout = new double[n * n];
        var layer = new double[n * n];
        var product = new double[n * n];
        for (int b = 0; b < batch; b++)
        {
            Array.Clear(rollout);
            for (int i = 0; i < n; i++) rollout[i * n + i] = 1;
            foreach (var sab in attention.Sabs)
            {
                int heads = sab.Attention.Shape[1];
                Array.Clear(layer);
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < n; i++)
                    {
                        var row = sab.Attention.Row(b, h, i);
                        for (int j = 0; j < n; j++) layer[i * n + j] += 0.5 * row[j] / heads;
                    }
                for (int i = 0; i < n; i++) layer[i * n + i] += 0.5;
                // R ← Ã·R: the later layer mixes the rows the earlier ones produced.
                Array.Clear(product);
                for (int i = 0; i < n; i++)
                    for (int k = 0; k < n; k++)
                    {
                        double w = layer[i * n + k];
                        if (w == 0) continue;
                        for (int j = 0; j < n; j++) product[i * n + j] += w * rollout[k * n + j];
                    }
                (rollout, product) = (product, rollout);
            }
            for (int e = 0; e < n * n; e++) result[(long)b * n * n + e] = (float)rollout[e];
        }
        return new AttentionMap(result, [batch, n, n]);
    }

    /// <summary>Every task token's rollout in TAB <paramref name="tab"/> (its position in the snapshot): [T, B, N].</summary>
    public static AttentionMap TaskTokens(AttentionSnapshot attention, AttentionMap throughSabs, int tab)
    {
        ArgumentNullException.ThrowIfNull(attention);
        ArgumentNullException.ThrowIfNull(throughSabs);
        var map = attention.Tabs[tab].Attention; // [T, B, H, 1+N]
        int tasks = map.Shape[0], batch = map.Shape[1], heads = map.Shape[2], n = attention.Patches;
        if (map.Shape[3] != 1 + n || throughSabs.Shape[0] != batch || throughSabs.Shape[1] != n)
            throw new ArgumentException($"TAB attention [{string.Join(", ", map.Shape)}] and SAB rollout [{string.Join(", ", throughSabs.Shape)}] do not fit {n} patches.");
        var result = new float[(long)tasks * batch * n];
        var patches = new double[n];
        var reads = new double[n];
        for (int t = 0; t < tasks; t++)
            for (int b = 0; b < batch; b++)
            {
                Array.Clear(patches);
                for (int h = 0; h < heads; h++)
                {
                    var row = map.Row(t, b, h);
                    for (int i = 0; i < n; i++) patches[i] += (double)row[1 + i] / heads;
                }
                Array.Clear(reads);
                for (int i = 0; i < n; i++)
                {
                    var flow = throughSabs.Row(b, i);
                    for (int j = 0; j < n; j++) reads[j] += patches[i] * flow[j];
                }
                for (int j = 0; j < n; j++) result[((long)t * batch + b) * n + j] = (float)reads[j];
            }
        return new AttentionMap(result, [tasks, batch, n]);
    }
}
