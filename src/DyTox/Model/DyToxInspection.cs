using DyTox.Autograd;
using DyTox.Tensor;

namespace DyTox.Model;

/// <summary>
/// The forward pass of <see cref="DyToxModel"/> that also returns every attention map (for studying GPSA gates,
/// locality and task-token attention). It re-runs the model's own blocks with its own parameters and calls the same
/// backend ops as <see cref="F.Gpsa"/> and <see cref="F.TaskAttention"/> (IBackend.GpsaPositional, GpsaForward,
/// TaskAttentionForward), in the same order on the same inputs, so its logits are bitwise those of
/// <see cref="DyToxModel.Forward"/> on any backend; the difference is that the maps those ops compute anyway are
/// copied to the host instead of being dropped. <see cref="DyToxModel.Forward"/> itself is untouched.
/// </summary>
public static class DyToxInspection
{
    /// <summary>
    /// images [B, C, H, W] → the evaluation-mode output (no divergence logits) and the attention of every SAB and
    /// TAB. Runs without gradient recording. The model must be in evaluation mode (call <c>Eval()</c>): in training
    /// mode drop-path would draw masks and the maps would describe a randomly thinned network.
    /// </summary>
    public static InspectedForward ForwardWithAttention(this DyToxModel model, Variable images)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        if (model.TaskCount == 0) throw new InvalidOperationException("DyToxModel has no task yet: call AddTask before ForwardWithAttention.");
        var training = model.NamedModules().FirstOrDefault(m => m.Module.Training);
        if (training.Module is not null)
            throw new InvalidOperationException($"ForwardWithAttention needs the model in evaluation mode (module '{training.Name}' is training); call model.Eval() first.");
        var c = model.Config;
        if (images.Rank != 4 || images.Size(1) != c.InChannels || images.Size(2) != c.ImageSize || images.Size(3) != c.ImageSize)
            throw new ArgumentException($"ForwardWithAttention expects images [B, {c.InChannels}, {c.ImageSize}, {c.ImageSize}]; got {images.Value.Describe()}.", nameof(images));

        using var noGrad = GradMode.NoGrad();
        var sabMaps = new List<SabAttentionSnapshot>(model.Sabs.Count);
        var tabMaps = new List<TabAttentionSnapshot>(model.Tabs.Count);

        // The same sequence of ops as DyToxModel.Forward (evaluation mode: drop-path is the identity).
        var x = F.Add(model.PatchEmbed.Forward(images), model.PosEmbed);
        for (int i = 0; i < model.Sabs.Count; i++)
        {
            var sab = model.Sabs[i];
            var (attended, maps) = Gpsa(sab.Attn, sab.Norm1.Forward(x), i);
            sabMaps.Add(maps);
            x = F.Add(x, sab.DropPath is null ? attended : sab.DropPath.Forward(attended));
            var mlp = sab.Mlp.Forward(sab.Norm2.Forward(x));
            x = F.Add(x, sab.DropPath is null ? mlp : sab.DropPath.Forward(mlp));
        }

        var allTokens = new Variable[model.TaskTokens.Count];
        for (int t = 0; t < allTokens.Length; t++) allTokens[t] = model.TaskTokens[t];
        var tokens = allTokens.Length == 1 ? allTokens[0] : F.Concat(0, allTokens);
        for (int j = 0; j < model.Tabs.Count; j++)
        {
            var tab = model.Tabs[j];
            var (attended, maps) = TaskAttention(tab.Attn, tab.Norm1.Forward(tokens), tab.Norm1.Forward(x), j);
            tabMaps.Add(maps);
            var u = F.Add(tokens, attended);
            tokens = F.Add(u, tab.Mlp.Forward(tab.Norm2.Forward(u)));
        }
        var embeddings = tokens;

        var perTask = new Variable[model.TaskCount];
        for (int t = 0; t < model.TaskCount; t++)
            perTask[t] = model.Heads[t].Forward(F.Select(embeddings, 0, Math.Min(t, model.TaskTokens.Count - 1)));
        var logits = model.TaskCount == 1 ? perTask[0] : F.Concat(1, perTask);
        return new InspectedForward(new DyToxOutput(logits, null, embeddings), new AttentionSnapshot(c.GridSide, sabMaps, tabMaps));
    }

    /// <summary>GpsaAttention.Forward with the maps kept: the body of F.Gpsa without the tape.</summary>
    private static (Variable Output, SabAttentionSnapshot Maps) Gpsa(GpsaAttention attn, Variable x, int block)
    {
        var qk = attn.Qk.Forward(x);
        var v = attn.V.Forward(x);
        var be = qk.Backend;
        int b = qk.Size(0), n = qk.Size(1), h = attn.Heads;
        var posAttn = be.Empty(qk.DType, [h, n, n]);
        var content = be.Empty(qk.DType, [b, h, n, n]);
        var mixed = be.Empty(qk.DType, [b, h, n, n]);
        try
        {
            be.GpsaPositional(attn.RelativePositions, attn.PosProj.Weight.Value, attn.PosProj.Bias!.Value, posAttn);
            var y = be.Empty(qk.DType, [b, n, attn.Dim]);
            be.GpsaForward(qk.Value, v.Value, posAttn, attn.GatingParam.Value, h, attn.Scale, content, mixed, y);
            var maps = new SabAttentionSnapshot(block, Sigmoid(attn.GatingParam), AttentionMap.FromTensor(posAttn),
                                                AttentionMap.FromTensor(content), AttentionMap.FromTensor(mixed));
            return (attn.Proj.Forward(new Variable(y)), maps);
        }
        finally
        {
            posAttn.Dispose();
            content.Dispose();
            mixed.Dispose();
        }
    }

    /// <summary>ClassAttention.Forward with the weights kept: the body of F.TaskAttention without the tape.</summary>
    private static (Variable Output, TabAttentionSnapshot Maps) TaskAttention(ClassAttention attn, Variable tokens, Variable patches, int block)
    {
        int batch = patches.Size(0);
        var q = TokenBroadcast.ToBatch(attn.Q.Forward(tokens), batch);
        var kToken = TokenBroadcast.ToBatch(attn.K.Forward(tokens), batch);
        var vToken = TokenBroadcast.ToBatch(attn.V.Forward(tokens), batch);
        var kPatch = attn.K.Forward(patches);
        var vPatch = attn.V.Forward(patches);
        var be = q.Backend;
        int tasks = q.Size(0), n = kPatch.Size(1);
        var weights = be.Empty(q.DType, [tasks, batch, attn.Heads, 1 + n]);
        try
        {
            var y = be.Empty(q.DType, [tasks, batch, attn.Dim]);
            be.TaskAttentionForward(q.Value, kToken.Value, vToken.Value, kPatch.Value, vPatch.Value, attn.Heads, attn.Scale, weights, y);
            return (attn.Proj.Forward(new Variable(y)), new TabAttentionSnapshot(block, AttentionMap.FromTensor(weights)));
        }
        finally
        {
            weights.Dispose();
        }
    }

    /// <summary>σ(g) on the host in double precision, rounded once to float32.</summary>
    private static AttentionMap Sigmoid(Parameter gates)
    {
        var g = GpsaAttention.ReadDoubles(gates.Value);
        return new AttentionMap(Array.ConvertAll(g, v => (float)(1.0 / (1.0 + Math.Exp(-v)))), [g.Length]);
    }
}
