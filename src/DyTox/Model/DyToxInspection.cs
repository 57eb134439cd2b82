using DyTox.Autograd;
using DyTox.Tensor;

namespace DyTox.Model;

/// <summary>
/// The forward pass of <see cref="DyToxModel"/> that also returns every attention map (for studying GPSA gates,
/// locality and task-token attention): <see cref="DyToxModel.Forward"/> itself with an <see cref="AttentionRecorder"/>,
/// under which the attention modules call the backend ops of <see cref="F.Gpsa"/> and <see cref="F.TaskAttention"/>
/// directly (same ops, same inputs, so the logits are bitwise the normal ones on any backend) and copy the maps
/// those ops compute anyway to the host.
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
        var recorder = new AttentionRecorder();
        var output = model.Forward(images, withDivergence: false, recorder);
        return new InspectedForward(output, recorder.Snapshot(c.GridSide));
    }
}
