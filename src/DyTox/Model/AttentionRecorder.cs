namespace DyTox.Model;

/// <summary>
/// Collects the attention maps of one forward pass when handed to <see cref="DyToxModel.Forward"/>: each SAB and TAB
/// adds its maps in block order. With a recorder the attention modules run their backend ops directly (no tape), so
/// it requires gradient recording off; without one (the default) the forward pass is unchanged.
/// </summary>
public sealed class AttentionRecorder
{
    private readonly List<SabAttentionSnapshot> _sabs = [];
    private readonly List<TabAttentionSnapshot> _tabs = [];

    public IReadOnlyList<SabAttentionSnapshot> Sabs => _sabs;
    public IReadOnlyList<TabAttentionSnapshot> Tabs => _tabs;

    /// <summary>Index the next SAB's maps get.</summary>
    internal int NextSab => _sabs.Count;

    /// <summary>Index the next TAB's maps get.</summary>
    internal int NextTab => _tabs.Count;

    internal void Add(SabAttentionSnapshot maps) => _sabs.Add(maps);

    internal void Add(TabAttentionSnapshot maps) => _tabs.Add(maps);

    /// <summary>Every map recorded so far.</summary>
    public AttentionSnapshot Snapshot(int gridSide) => new(gridSide, [.. _sabs], [.. _tabs]);
}
