namespace DyTox.Model;

/// <summary>
/// Per-head summaries of attention maps, in double precision. Patches are on a GridSide × GridSide grid; patch j
/// sits at (row j / GridSide, column j % GridSide); distances are Euclidean in patch units.
/// </summary>
public static class AttentionMetrics
{
    /// <summary>
    /// ConViT's mean attention distance per head: Σ_j attn[i, j]·‖p_i − p_j‖, averaged over the query patches i and
    /// the images. <paramref name="map"/> is [H, N, N] (the positional attention) or [B, H, N, N].
    /// </summary>
    public static double[] MeanAttentionDistance(AttentionMap map, int gridSide)
    {
        ArgumentNullException.ThrowIfNull(map);
        int n = gridSide * gridSide;
        if (gridSide <= 0 || map.Rank is not (3 or 4) || map.Shape[^1] != n || map.Shape[^2] != n)
            throw new ArgumentException($"MeanAttentionDistance expects a map [H, {n}, {n}] or [B, H, {n}, {n}] for a {gridSide}×{gridSide} grid; got [{string.Join(", ", map.Shape)}].", nameof(map));
        var distance = PatchDistances(gridSide);
        int batch = map.Rank == 4 ? map.Shape[0] : 1, heads = map.Shape[^3];
        var result = new double[heads];
        for (int h = 0; h < heads; h++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < n; i++)
                {
                    var row = map.Rank == 4 ? map.Row(b, h, i) : map.Row(h, i);
                    for (int j = 0; j < n; j++) sum += row[j] * distance[i * n + j];
                }
            result[h] = sum / ((double)batch * n);
        }
        return result;
    }

    /// <summary>
    /// Per head, averaged over the images: the entropy (nats) of the task token's attention over the patches
    /// (the weights of keys 1..N renormalised to sum to 1, so a uniform look at N patches gives ln N), and the
    /// attention mass on the token itself (key 0; the patches get 1 minus it). <paramref name="taskAttention"/> is
    /// one task's weights [B, H, 1+N].
    /// </summary>
    public static (double[] PatchEntropy, double[] TokenMass) TaskAttentionSummary(AttentionMap taskAttention)
    {
        ArgumentNullException.ThrowIfNull(taskAttention);
        if (taskAttention.Rank != 3 || taskAttention.Shape[2] < 2)
            throw new ArgumentException($"TaskAttentionSummary expects one task's weights [B, H, 1+N]; got [{string.Join(", ", taskAttention.Shape)}].", nameof(taskAttention));
        int batch = taskAttention.Shape[0], heads = taskAttention.Shape[1];
        var entropy = new double[heads];
        var tokenMass = new double[heads];
        for (int h = 0; h < heads; h++)
        {
            for (int b = 0; b < batch; b++)
            {
                var row = taskAttention.Row(b, h);
                double patchMass = 0;
                for (int j = 1; j < row.Length; j++) patchMass += row[j];
                double e = 0;
                if (patchMass > 0)
                    for (int j = 1; j < row.Length; j++)
                    {
                        double p = row[j] / patchMass;
                        if (p > 0) e -= p * Math.Log(p);
                    }
                entropy[h] += e;
                tokenMass[h] += row[0];
            }
            entropy[h] /= batch;
            tokenMass[h] /= batch;
        }
        return (entropy, tokenMass);
    }

    /// <summary>‖p_i − p_j‖ for all patch pairs, [N·N] row-major.</summary>
    private static double[] PatchDistances(int gridSide)
    {
        int n = gridSide * gridSide;
        var d = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                int dx = j % gridSide - i % gridSide, dy = j / gridSide - i / gridSide;
                d[i * n + j] = Math.Sqrt(dx * dx + dy * dy);
            }
        return d;
    }
}
