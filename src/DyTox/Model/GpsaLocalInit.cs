namespace DyTox.Model;

/// <summary>
/// The ConViT "local init" of the GPSA positional projection (dytox-spec §1.4, tools/README.md): with
/// k = ⌊√H⌋ and centre c = k // 2 (odd k) or (k − 1)/2 (even k), head h = h1 + k·h2 (h1, h2 &lt; k) gets
/// pos_proj.weight[h] = [2(h2 − c), 2(h1 − c), −1] over the features [Δx, Δy, Δx² + Δy²], so its positional score
/// is −[(Δx − (h2 − c))² + (Δy − (h1 − c))²] + const. Heads h ≥ k² keep their random weights.
/// </summary>
public static class GpsaLocalInit
{
    /// <summary>Kernel side k = ⌊√H⌋.</summary>
    public static int KernelSize(int heads)
    {
        if (heads <= 0) throw new ArgumentOutOfRangeException(nameof(heads), heads, "head count must be positive.");
        int k = (int)Math.Sqrt(heads);
        while ((k + 1) * (k + 1) <= heads) k++;
        while (k * k > heads) k--;
        return k;
    }

    /// <summary>The centre offset c (half-integer for even k, the original ConViT rule).</summary>
    public static double Centre(int kernel) => kernel % 2 == 0 ? (kernel - 1) / 2.0 : kernel / 2;

    /// <summary>The preferred key offset (Δx, Δy) of a locally initialised head, or null for heads ≥ k².</summary>
    public static (double Dx, double Dy)? PreferredOffset(int head, int heads)
    {
        int k = KernelSize(heads);
        if (head < 0 || head >= heads) throw new ArgumentOutOfRangeException(nameof(head), head, $"head must be in [0, {heads}).");
        if (head >= k * k) return null;
        double c = Centre(k);
        int h1 = head % k, h2 = head / k;
        return (h2 - c, h1 - c);
    }

    /// <summary>
    /// Applies the local init in place to row-major pos_proj weights [H, 3] (holding their random init), then scales
    /// every weight (random ones included) by <paramref name="localityStrength"/>.
    /// </summary>
    public static void Apply(Span<double> weights, int heads, double localityStrength)
    {
        if (weights.Length != heads * 3)
            throw new ArgumentException($"pos_proj weights need {heads * 3} values ([H, 3] with H = {heads}); got {weights.Length}.", nameof(weights));
        for (int h = 0; h < heads; h++)
        {
            if (PreferredOffset(h, heads) is not { } offset) continue;
            weights[h * 3] = 2 * offset.Dx;
            weights[h * 3 + 1] = 2 * offset.Dy;
            weights[h * 3 + 2] = -1;
        }
        for (int i = 0; i < weights.Length; i++) weights[i] *= localityStrength;
    }
}
