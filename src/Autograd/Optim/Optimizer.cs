using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// Base of the optimizers: parameter groups, a step over the parameters that received a gradient (torch skips
/// parameters whose grad is None), and per-parameter state kept outside any scope and exportable by name
/// (<c>state.{parameter name}.{slot}</c>) for resuming.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly Dictionary<Parameter, ParameterState> states = new(ReferenceEqualityComparer.Instance);

    protected Optimizer(IReadOnlyList<ParamGroup> groups)
    {
        if (groups.Count == 0) throw new ArgumentException("an optimizer needs at least one parameter group.", nameof(groups));
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var g in groups)
            foreach (var (name, p) in g.Parameters)
                if (!seen.Add(p)) throw new ArgumentException($"parameter '{name}' appears in more than one group.", nameof(groups));
        Groups = groups;
    }

    public IReadOnlyList<ParamGroup> Groups { get; }

    /// <summary>Names of the state slots each parameter has (e.g. exp_avg, exp_avg_sq).</summary>
    protected abstract IReadOnlyList<string> Slots { get; }

    /// <summary>Sets the learning rate of every group (what a per-epoch schedule does).</summary>
    public void SetLearningRate(double learningRate)
    {
        foreach (var g in Groups) g.LearningRate = learningRate;
    }

    /// <summary>Applies one update to every parameter that holds a gradient.</summary>
    public void Step()
    {
        using var noGrad = GradMode.NoGrad();
        foreach (var group in Groups)
            foreach (var (_, p) in group.Parameters)
            {
                if (!p.RequiresGrad || p.Grad is not { } grad) continue;
                var state = StateOf(p);
                state.Step++;
                Update(group, p, grad, state);
            }
    }

    protected abstract void Update(ParamGroup group, Parameter parameter, TensorT grad, ParameterState state);

    public void ZeroGrad()
    {
        foreach (var g in Groups)
            foreach (var (_, p) in g.Parameters) p.ZeroGrad();
    }

    /// <summary>A copy of the optimizer state: <c>state.{name}.{slot}</c> tensors and <c>state.{name}.step</c>
    /// (Float64 [1]) for every parameter that has taken a step. The returned dictionary owns its tensors.</summary>
    public StateDict ExportState()
    {
        var dict = new StateDict(ownsTensors: true);
        foreach (var g in Groups)
            foreach (var (name, p) in g.Parameters)
            {
                if (!states.TryGetValue(p, out var s)) continue;
                for (int i = 0; i < Slots.Count; i++)
                {
                    if (s.Slots[i] is not { } slot) continue;
                    var copy = slot.Backend.Empty(slot.DType, slot.Shape);
                    slot.Backend.Copy(slot, copy);
                    dict.Add($"state.{name}.{Slots[i]}", copy);
                }
                var step = p.Backend.Empty(DType.Float64, [1]);
                Init.Write(step, [s.Step]);
                dict.Add($"state.{name}.step", step);
            }
        return dict;
    }

    /// <summary>Restores state exported by <see cref="ExportState"/>; parameters are matched by name. Unknown keys
    /// and shape mismatches throw.</summary>
    public void ImportState(StateDict state)
    {
        var byName = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        foreach (var g in Groups) foreach (var (name, p) in g.Parameters) byName[name] = p;
        foreach (var (key, tensor) in state)
        {
            int dot = key.LastIndexOf('.');
            if (!key.StartsWith("state.", StringComparison.Ordinal) || dot <= 6)
                throw new InvalidOperationException($"optimizer state key '{key}' is not of the form state.<parameter>.<slot>.");
            string name = key[6..dot], slot = key[(dot + 1)..];
            if (!byName.TryGetValue(name, out var p))
                throw new InvalidOperationException($"optimizer state for '{name}', which is not in this optimizer's groups.");
            var s = StateOf(p);
            if (slot == "step") { s.Step = (long)tensor.Item(); continue; }
            int index = IndexOfSlot(slot);
            if (index < 0) throw new InvalidOperationException($"optimizer state '{key}': unknown slot '{slot}' (expected step or {string.Join(", ", Slots)}).");
            if (!tensor.Shape.SequenceEqual(p.Shape))
                throw new InvalidOperationException($"optimizer state '{key}' has shape {DyTox.Tensor.Shape.Format(tensor.Shape)}; the parameter has {DyTox.Tensor.Shape.Format(p.Shape)}.");
            TensorTransfer.CopyInto(tensor, s.GetOrCreateSlot(index, p));
        }
    }

    protected ParameterState StateOf(Parameter p)
    {
        if (!states.TryGetValue(p, out var s)) states[p] = s = new ParameterState(Slots.Count);
        return s;
    }

    private int IndexOfSlot(string slot)
    {
        for (int i = 0; i < Slots.Count; i++) if (Slots[i] == slot) return i;
        return -1;
    }

    public void Dispose()
    {
        foreach (var s in states.Values)
            foreach (var t in s.Slots) t?.Dispose();
        states.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>Per-parameter state: the step count and slot tensors (allocated outside any scope on first use).</summary>
    protected internal sealed class ParameterState(int slots)
    {
        public long Step { get; set; }
        public TensorT?[] Slots { get; } = new TensorT?[slots];

        /// <summary>Slot <paramref name="index"/>, created zero-filled like the parameter on first use.</summary>
        public TensorT GetOrCreateSlot(int index, Parameter like)
        {
            if (Slots[index] is { } t) return t;
            var v = like.Value;
            var created = TensorScope.Unscoped(() => v.Backend.Empty(v.DType, v.Shape));
            created.Backend.Fill(created, 0);
            return Slots[index] = created;
        }

        public bool HasSlot(int index) => Slots[index] is not null;
    }
}
