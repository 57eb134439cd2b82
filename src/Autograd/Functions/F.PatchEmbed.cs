using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

public static partial class F
{
    /// <summary>
    /// Conv2d with kernel = stride = p, as Im2Patch + a dense layer: images [B, C, H, W], weight [D, C, p, p]
    /// (viewed as [D, C·p·p]), bias [D] → tokens [B, (H/p)·(W/p), D], token index = row·(W/p) + col.
    /// </summary>
    public static Variable PatchEmbed(Variable images, Variable weight, Variable? bias)
    {
        const string op = "PatchEmbed";
        Expect.Floating(op, "images", images);
        Expect.SameDType(op, images, "images", weight, "weight");
        Expect.Rank(op, "images", images.Shape, 4);
        Expect.Rank(op, "weight", weight.Shape, 4);
        int b = images.Size(0), c = images.Size(1), h = images.Size(2), w = images.Size(3);
        int d = weight.Size(0), p = weight.Size(2);
        if (weight.Size(1) != c || weight.Size(3) != p)
            throw new ArgumentException($"{op}: weight {DyTox.Tensor.Shape.Format(weight.Shape)} must be [D, {c}, p, p] for images {images.Value.Describe()}.");
        if (p <= 0 || h % p != 0 || w % p != 0)
            throw new ArgumentException($"{op}: image size {h}×{w} is not a multiple of the patch size {p}.");
        if (bias is not null)
        {
            Expect.SameDType(op, images, "images", bias, "bias");
            Expect.Shape(op, "bias", bias.Shape, d);
        }
        var be = images.Backend;
        int tokens = h / p * (w / p), features = c * p * p;
        var patches = be.Empty(images.DType, [b, tokens, features]);
        be.Im2Patch(images.Value, p, patches);
        var y = be.Empty(images.DType, [b, tokens, d]);
        using (var w2 = weight.Value.Reshape(d, features)) be.Linear(patches, w2, bias?.Value, y);
        bool record = GradMode.IsEnabled && (images.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false));
        if (!record)
        {
            patches.Dispose();
            return new Variable(y);
        }
        return Tape.Record(new PatchEmbedNode(images, weight, bias, patches, p), y);
    }

    private sealed class PatchEmbedNode(Variable images, Variable weight, Variable? bias, TensorT patches, int patch) : Node
    {
        public override string Name => "PatchEmbed";

        internal override void Backward(TensorT dy)
        {
            var be = dy.Backend;
            int d = weight.Size(0), features = patches.Size(2);
            TensorT? dPatches = images.RequiresGrad ? Like(patches) : null;
            TensorT? dw = weight.RequiresGrad ? Like(weight.Value) : null;
            TensorT? db = bias is { RequiresGrad: true } ? Like(bias.Value) : null;
            using var w2 = weight.Value.Reshape(d, features);
            using var dw2 = dw?.Reshape(d, features);
            be.LinearBackward(dy, patches, w2, dPatches, dw2, db);
            if (dPatches is not null)
            {
                var dImages = Like(images.Value);
                be.Patch2Im(dPatches, patch, dImages);
                dPatches.Dispose();
                Give(images, dImages);
            }
            if (dw is not null) Give(weight, dw);
            if (db is not null) Give(bias!, db);
        }

        internal override void Release() => patches.Dispose();
    }
}
