namespace DyTox.Autograd;

/// <summary>
/// Base of layers and models. Parameters and sub-modules are registered explicitly (no reflection) in
/// registration order, which fixes the PyTorch-style dotted names (<c>blocks.0.attn.qk.weight</c>) and the
/// state-dict order. Disposing a module disposes its parameters.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Parameter>> parameters = new();
    private readonly List<KeyValuePair<string, Module>> children = new();

    /// <summary>Training mode (drop-path, dropout active). New modules start in training mode, like torch.</summary>
    public bool Training { get; private set; } = true;

    protected Parameter RegisterParameter(string name, Parameter parameter)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(parameter);
        if (IndexOf(parameters, name) >= 0 || IndexOf(children, name) >= 0)
            throw new ArgumentException($"{GetType().Name} already has a member named '{name}'.", nameof(name));
        parameters.Add(new(name, parameter));
        return parameter;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(module);
        if (IndexOf(parameters, name) >= 0 || IndexOf(children, name) >= 0)
            throw new ArgumentException($"{GetType().Name} already has a member named '{name}'.", nameof(name));
        children.Add(new(name, module));
        return module;
    }

    /// <summary>Replaces a registered sub-module in place (same name and position), e.g. a re-created head.
    /// The old module is returned, not disposed.</summary>
    protected Module ReplaceModule(string name, Module module)
    {
        int i = IndexOf(children, name);
        if (i < 0) throw new ArgumentException($"{GetType().Name} has no sub-module '{name}' to replace.", nameof(name));
        var old = children[i].Value;
        children[i] = new(name, module);
        return old;
    }

    /// <summary>Replaces a registered parameter in place (same name and position); the old one is returned.</summary>
    protected Parameter ReplaceParameter(string name, Parameter parameter)
    {
        int i = IndexOf(parameters, name);
        if (i < 0) throw new ArgumentException($"{GetType().Name} has no parameter '{name}' to replace.", nameof(name));
        var old = parameters[i].Value;
        parameters[i] = new(name, parameter);
        return old;
    }

    /// <summary>Every parameter with its dotted name: own parameters first, then sub-modules in registration order.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in parameters) yield return (prefix + name, p);
        foreach (var (name, child) in children)
            foreach (var item in child.NamedParameters(prefix + name + "."))
                yield return item;
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>This module (name "") and every sub-module with its dotted name, depth first.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix.TrimEnd('.'), this);
        foreach (var (name, child) in children)
            foreach (var item in child.NamedModules(prefix + name + "."))
                yield return item;
    }

    public long ParameterCount => NamedParameters().Sum(p => p.Parameter.Numel);

    public Parameter GetParameter(string dottedName) =>
        NamedParameters().FirstOrDefault(p => p.Name == dottedName).Parameter
        ?? throw new KeyNotFoundException($"{GetType().Name} has no parameter '{dottedName}'.");

    /// <summary>Sets training mode on this module and all sub-modules.</summary>
    public void Train(bool training = true)
    {
        Training = training;
        foreach (var (_, child) in children) child.Train(training);
    }

    public void Eval() => Train(false);

    /// <summary>Sets the mode for a block and restores every module's previous mode on dispose.</summary>
    public IDisposable TrainingMode(bool training)
    {
        var saved = NamedModules().Select(m => (m.Module, m.Module.Training)).ToList();
        Train(training);
        return new ModeRestorer(saved);
    }

    /// <summary>Stops gradients for every parameter whose dotted name equals <paramref name="prefix"/> or starts
    /// with <paramref name="prefix"/> + "." (empty prefix: all). Returns the number of parameters affected.</summary>
    public int Freeze(string prefix = "") => SetRequiresGrad(prefix, false);

    public int Unfreeze(string prefix = "") => SetRequiresGrad(prefix, true);

    /// <summary>Marks every parameter's gradient empty (torch zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>The parameters by dotted name, in registration order. The tensors are the live parameter values
    /// (not copies); the returned dictionary does not own them.</summary>
    public StateDict StateDict()
    {
        var dict = new StateDict(ownsTensors: false);
        foreach (var (name, p) in NamedParameters()) dict.Add(name, p.Value);
        return dict;
    }

    /// <summary>
    /// Copies values from <paramref name="state"/> into the parameters (converting dtype and device as needed).
    /// Shape mismatches always fail; with <paramref name="strict"/>, missing and unexpected keys fail too. Nothing is
    /// copied when it fails; the message lists every problem.
    /// </summary>
    public StateDictLoadResult LoadStateDict(StateDict state, bool strict = true)
    {
        var own = NamedParameters().ToList();
        var ownNames = own.Select(p => p.Name).ToHashSet();
        var missing = own.Where(p => !state.ContainsKey(p.Name)).Select(p => p.Name).ToList();
        var unexpected = state.Keys.Where(k => !ownNames.Contains(k)).ToList();
        var mismatched = own
            .Where(p => state.ContainsKey(p.Name) && !state[p.Name].Shape.SequenceEqual(p.Parameter.Shape))
            .Select(p => $"{p.Name}: checkpoint {DyTox.Tensor.Shape.Format(state[p.Name].Shape)}, model {DyTox.Tensor.Shape.Format(p.Parameter.Shape)}")
            .ToList();
        if (mismatched.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
        {
            var lines = new List<string> { $"cannot load the state dict into {GetType().Name}:" };
            if (missing.Count > 0) lines.Add($"  missing keys ({missing.Count}): {string.Join(", ", missing)}");
            if (unexpected.Count > 0) lines.Add($"  unexpected keys ({unexpected.Count}): {string.Join(", ", unexpected)}");
            if (mismatched.Count > 0) lines.Add($"  shape mismatches ({mismatched.Count}): {string.Join("; ", mismatched)}");
            throw new InvalidOperationException(string.Join(Environment.NewLine, lines));
        }
        foreach (var (name, p) in own)
            if (state.TryGetValue(name, out var source)) TensorTransfer.CopyInto(source, p.Value);
        return new StateDictLoadResult(missing, unexpected);
    }

    public virtual void Dispose()
    {
        foreach (var (_, p) in parameters) p.Dispose();
        foreach (var (_, child) in children) child.Dispose();
        GC.SuppressFinalize(this);
    }

    private int SetRequiresGrad(string prefix, bool value)
    {
        int count = 0;
        foreach (var (name, p) in NamedParameters())
        {
            if (prefix.Length == 0 || name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal))
            {
                p.RequiresGrad = value;
                if (!value) p.ZeroGrad();
                count++;
            }
        }
        return count;
    }

    private static int IndexOf<T>(List<KeyValuePair<string, T>> list, string name)
    {
        for (int i = 0; i < list.Count; i++) if (list[i].Key == name) return i;
        return -1;
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"member name '{name}' must be non-empty and contain no '.'.", nameof(name));
    }

    private sealed class ModeRestorer(List<(Module Module, bool Training)> saved) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (module, training) in saved) module.Training = training;
        }
    }
}

/// <summary>Keys that did not match in a non-strict <see cref="Module.LoadStateDict"/>.</summary>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
