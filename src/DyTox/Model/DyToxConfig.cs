namespace DyTox.Model;

/// <summary>
/// Architecture of a DyTox network (dytox-spec §1.2). The encoder is <see cref="SelfAttentionBlocks"/> GPSA blocks
/// (the original's <c>local_up_to_layer</c>), the decoder <see cref="TaskAttentionBlocks"/> class-attention blocks.
/// Stochastic-depth rates are linearly spaced from 0 to <see cref="DropPathMax"/> over all blocks (SABs first);
/// block 0 always gets 0.
/// </summary>
public sealed record DyToxConfig
{
    public int ImageSize { get; init; }
    public int InChannels { get; init; }
    public int PatchSize { get; init; }
    public int EmbedDim { get; init; }
    public int NumHeads { get; init; }
    public int MlpRatio { get; init; } = 4;
    public int SelfAttentionBlocks { get; init; }
    public int TaskAttentionBlocks { get; init; } = 1;
    public double DropPathMax { get; init; } = 0.1;
    public double LocalityStrength { get; init; } = 1.0;
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>CIFAR-100: 32×32×3, patch 4 (64 tokens), D 384, 12 heads, 5 SABs + 1 TAB, drop-path 0.1.</summary>
    public static DyToxConfig Cifar { get; } = new()
    {
        ImageSize = 32, InChannels = 3, PatchSize = 4, EmbedDim = 384, NumHeads = 12, SelfAttentionBlocks = 5, TaskAttentionBlocks = 1,
    };

    /// <summary>ImageNet: 224×224×3, patch 16 (196 tokens), otherwise as CIFAR.</summary>
    public static DyToxConfig ImageNet { get; } = new()
    {
        ImageSize = 224, InChannels = 3, PatchSize = 16, EmbedDim = 384, NumHeads = 12, SelfAttentionBlocks = 5, TaskAttentionBlocks = 1,
    };

    /// <summary>A small model for Fashion-MNIST: 28×28×1, patch 4 (49 tokens), D 128, 4 heads, 2 SABs + 1 TAB.</summary>
    public static DyToxConfig FashionMnistSmall { get; } = new()
    {
        ImageSize = 28, InChannels = 1, PatchSize = 4, EmbedDim = 128, NumHeads = 4, SelfAttentionBlocks = 2, TaskAttentionBlocks = 1,
    };

    /// <summary>The PyTorch fixture model (tools/make_fixtures.py): 16×16×3, patch 4, D 36, 9 heads, 2 SABs + 1 TAB,
    /// no drop-path.</summary>
    public static DyToxConfig Fixture { get; } = new()
    {
        ImageSize = 16, InChannels = 3, PatchSize = 4, EmbedDim = 36, NumHeads = 9, SelfAttentionBlocks = 2, TaskAttentionBlocks = 1,
        DropPathMax = 0,
    };

    public int GridSide => ImageSize / PatchSize;
    public int NumPatches => GridSide * GridSide;
    public int HeadDim => EmbedDim / NumHeads;
    public int MlpHidden => EmbedDim * MlpRatio;
    public int Depth => SelfAttentionBlocks + TaskAttentionBlocks;

    /// <summary>Attention scale d^-½.</summary>
    public double AttentionScale => 1.0 / Math.Sqrt(HeadDim);

    /// <summary>Stochastic-depth rate of block <paramref name="block"/> (0-based over SABs then TABs):
    /// linspace(0, DropPathMax, Depth)[block].</summary>
    public double DropPathRate(int block)
    {
        if (block < 0 || block >= Depth) throw new ArgumentOutOfRangeException(nameof(block), block, $"block index must be in [0, {Depth}).");
        return Depth == 1 ? 0 : DropPathMax * block / (Depth - 1);
    }

    /// <summary>Throws a clear exception for an inconsistent configuration.</summary>
    public DyToxConfig Validate()
    {
        static void Positive(int value, string name)
        {
            if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"DyToxConfig.{name} must be positive.");
        }
        Positive(ImageSize, nameof(ImageSize));
        Positive(InChannels, nameof(InChannels));
        Positive(PatchSize, nameof(PatchSize));
        Positive(EmbedDim, nameof(EmbedDim));
        Positive(NumHeads, nameof(NumHeads));
        Positive(MlpRatio, nameof(MlpRatio));
        Positive(SelfAttentionBlocks, nameof(SelfAttentionBlocks));
        Positive(TaskAttentionBlocks, nameof(TaskAttentionBlocks));
        if (ImageSize % PatchSize != 0)
            throw new ArgumentException($"DyToxConfig: image size {ImageSize} is not a multiple of the patch size {PatchSize}.");
        if (EmbedDim % NumHeads != 0)
            throw new ArgumentException($"DyToxConfig: embed dim {EmbedDim} is not a multiple of the head count {NumHeads}.");
        if (!(DropPathMax >= 0 && DropPathMax < 1))
            throw new ArgumentOutOfRangeException(nameof(DropPathMax), DropPathMax, "DyToxConfig.DropPathMax must be in [0, 1).");
        if (!(LayerNormEps > 0))
            throw new ArgumentOutOfRangeException(nameof(LayerNormEps), LayerNormEps, "DyToxConfig.LayerNormEps must be positive.");
        return this;
    }
}
