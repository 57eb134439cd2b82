namespace DyTox.Autograd;

/// <summary>A set of named parameters sharing a learning rate and weight decay (torch param_groups).</summary>
public sealed class ParamGroup
{
    public ParamGroup(string name, IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate, double weightDecay)
    {
        Name = name;
        Parameters = parameters.ToList();
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    public string Name { get; }
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }
    public double LearningRate { get; set; }
    public double WeightDecay { get; set; }

    /// <summary>
    /// DyTox's two AdamW groups (timm param_groups_weight_decay, dytox-spec §2.4): "no_decay" (weight decay 0) holds
    /// every 1-D parameter and every parameter whose name ends in ".bias"; "decay" holds the rest. Parameters that
    /// do not require gradients (frozen) are left out entirely. Order: no_decay first, like timm.
    /// </summary>
    public static IReadOnlyList<ParamGroup> WeightDecayGroups(IEnumerable<(string Name, Parameter Parameter)> named, double learningRate, double weightDecay)
    {
        var decay = new List<(string, Parameter)>();
        var noDecay = new List<(string, Parameter)>();
        foreach (var (name, p) in named)
        {
            if (!p.RequiresGrad) continue;
            if (p.Rank <= 1 || name.EndsWith(".bias", StringComparison.Ordinal)) noDecay.Add((name, p));
            else decay.Add((name, p));
        }
        return [new ParamGroup("no_decay", noDecay, learningRate, 0.0), new ParamGroup("decay", decay, learningRate, weightDecay)];
    }

    /// <summary>One group with every parameter that requires gradients.</summary>
    public static IReadOnlyList<ParamGroup> Single(IEnumerable<(string Name, Parameter Parameter)> named, double learningRate, double weightDecay) =>
        [new ParamGroup("all", named.Where(p => p.Parameter.RequiresGrad), learningRate, weightDecay)];
}
