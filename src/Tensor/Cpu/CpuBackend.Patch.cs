namespace DyTox.Tensor.Cpu;

// Patch embedding's unfold: images [B, C, H, W] ↔ patches [B, (H/p)·(W/p), C·p·p], features (c, i, j).
public sealed unsafe partial class CpuBackend
{
    public void Im2Patch(Tensor images, int patch, Tensor patches)
    {
        var (b, c, h, w) = PatchGeometry("Im2Patch", images, nameof(images), patch, patches, nameof(patches));
        MovePatches(images, patches, b, c, h, w, patch, toPatches: true);
    }

    public void Patch2Im(Tensor dPatches, int patch, Tensor dImages)
    {
        var (b, c, h, w) = PatchGeometry("Patch2Im", dImages, nameof(dImages), patch, dPatches, nameof(dPatches));
        // Patches do not overlap, so the adjoint is the inverse permutation: every pixel is assigned once.
        MovePatches(dImages, dPatches, b, c, h, w, patch, toPatches: false);
    }

    private static (int B, int C, int H, int W) PatchGeometry(string op, Tensor images, string imagesName, int patch, Tensor patches, string patchesName)
    {
        RequireContiguous((images, imagesName), (patches, patchesName));
        FloatingDType(op, images, imagesName, (patches, patchesName));
        if (images.Rank != 4) throw new ArgumentException($"{op}: {imagesName} has shape {Shape.Format(images.Shape)}; expected [B, C, H, W].");
        if (patch <= 0) throw new ArgumentOutOfRangeException(nameof(patch), $"{op}: patch size must be positive; got {patch}.");
        int b = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        if (h % patch != 0 || w % patch != 0)
            throw new ArgumentException($"{op}: {imagesName} {Shape.Format(images.Shape)} has H and W that are not multiples of the patch size {patch}.");
        RequireShape(op, patches, patchesName, [b, (h / patch) * (w / patch), c * patch * patch]);
        return (b, c, h, w);
    }

    private static void MovePatches(Tensor images, Tensor patches, int b, int c, int h, int w, int p, bool toPatches)
    {
        int size = images.DType.Size();
        byte* img = (byte*)images.Address, pat = (byte*)patches.Address;
        int tilesW = w / p, tokens = (h / p) * tilesW, features = c * p * p;
        long rowBytes = (long)p * size;
        CpuParallel.For(b * tokens, features, (begin, end) =>
        {
            for (int bt = begin; bt < end; bt++)
            {
                int bi = bt / tokens, t = bt % tokens;
                int tr = t / tilesW, tc = t % tilesW;
                byte* token = pat + (long)bt * features * size;
                for (int ch = 0; ch < c; ch++)
                    for (int i = 0; i < p; i++)
                    {
                        byte* pixel = img + ((((long)bi * c + ch) * h + tr * p + i) * w + tc * p) * size;
                        byte* feature = token + ((long)ch * p + i) * p * size;
                        if (toPatches) Buffer.MemoryCopy(pixel, feature, rowBytes, rowBytes);
                        else Buffer.MemoryCopy(feature, pixel, rowBytes, rowBytes);
                    }
            }
        });
    }
}
