using System.Runtime.InteropServices;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

public static partial class F
{
    /// <summary>
    /// Gated positional self-attention (dytox-spec §1.4) as one op: the positional attention
    /// softmax(posWeight·rel + posBias) [H, N, N], the content attention of qk [B, N, 2D], the sigmoid-gated
    /// mix and attn·v [B, N, D] → output [B, N, D] (before the output projection). Gradients flow to qk, v,
    /// posWeight [H, 3], posBias [H] (analytically zero) and gates [H].
    /// </summary>
    public static Variable Gpsa(Variable qk, Variable v, Variable posWeight, Variable posBias, Variable gates,
                                TensorT relativePositions, int heads, double scale)
    {
        const string op = "Gpsa";
        Expect.Floating(op, "qk", qk);
        Expect.SameDType(op, qk, "qk", v, "v");
        Expect.SameDType(op, qk, "qk", posWeight, "posWeight");
        Expect.SameDType(op, qk, "qk", posBias, "posBias");
        Expect.SameDType(op, qk, "qk", gates, "gates");
        Expect.SameDType(op, qk, "qk", relativePositions, nameof(relativePositions));
        Expect.Rank(op, "qk", qk.Shape, 3);
        int b = qk.Size(0), n = qk.Size(1), d = qk.Size(2) / 2;
        if (qk.Size(2) != 2 * d) throw new ArgumentException($"{op}: qk {qk.Value.Describe()} must have an even channel count 2D.", nameof(qk));
        if (heads <= 0 || d % heads != 0) throw new ArgumentException($"{op}: {heads} heads do not divide D = {d}.", nameof(heads));
        Expect.Shape(op, "v", v.Shape, b, n, d);
        Expect.Shape(op, "posWeight", posWeight.Shape, heads, 3);
        Expect.Shape(op, "posBias", posBias.Shape, heads);
        Expect.Shape(op, "gates", gates.Shape, heads);
        Expect.Shape(op, nameof(relativePositions), relativePositions.Shape, n, n, 3);
        var be = qk.Backend;
        var posAttn = be.Empty(qk.DType, [heads, n, n]);
        be.GpsaPositional(relativePositions, posWeight.Value, posBias.Value, posAttn);
        var content = be.Empty(qk.DType, [b, heads, n, n]);
        var attn = be.Empty(qk.DType, [b, heads, n, n]);
        var y = be.Empty(qk.DType, [b, n, d]);
        be.GpsaForward(qk.Value, v.Value, posAttn, gates.Value, heads, scale, content, attn, y);
        bool record = GradMode.IsEnabled && (qk.RequiresGrad || v.RequiresGrad || posWeight.RequiresGrad || posBias.RequiresGrad || gates.RequiresGrad);
        if (!record)
        {
            posAttn.Dispose();
            content.Dispose();
            attn.Dispose();
            return new Variable(y);
        }
        return Tape.Record(new GpsaNode(qk, v, posWeight, posBias, gates, relativePositions, heads, scale, posAttn, content, attn), y);
    }

    /// <summary>
    /// The fixed GPSA relative-position table [N, N, 3] for a √N×√N grid: (Δx, Δy, Δx² + Δy²) with
    /// Δ = key − query, x = column, y = row (dytox-spec §1.4 step 3).
    /// </summary>
    public static TensorT GpsaRelativePositions(int tokens, IBackend backend, DType dtype)
    {
        int side = (int)Math.Sqrt(tokens);
        if (side * side != tokens) throw new ArgumentException($"GPSA needs a square token grid; {tokens} tokens is not a square.", nameof(tokens));
        var values = new double[tokens * tokens * 3];
        for (int i = 0; i < tokens; i++)
            for (int j = 0; j < tokens; j++)
            {
                int dx = j % side - i % side, dy = j / side - i / side;
                int o = (i * tokens + j) * 3;
                values[o] = dx;
                values[o + 1] = dy;
                values[o + 2] = dx * dx + dy * dy;
            }
        return FromHost(values, [tokens, tokens, 3], backend, dtype);
    }

    /// <summary>
    /// Task (class) attention with one query per task token (dytox-spec §1.5): q, kToken, vToken [T, B, D],
    /// kPatch, vPatch [B, N, D] → output [T, B, D] (before the output projection).
    /// </summary>
    public static Variable TaskAttention(Variable q, Variable kToken, Variable vToken, Variable kPatch, Variable vPatch, int heads, double scale)
    {
        const string op = "TaskAttention";
        Expect.Floating(op, "q", q);
        Expect.SameDType(op, q, "q", kToken, "kToken");
        Expect.SameDType(op, q, "q", vToken, "vToken");
        Expect.SameDType(op, q, "q", kPatch, "kPatch");
        Expect.SameDType(op, q, "q", vPatch, "vPatch");
        Expect.Rank(op, "q", q.Shape, 3);
        Expect.Rank(op, "kPatch", kPatch.Shape, 3);
        int tasks = q.Size(0), b = q.Size(1), d = q.Size(2), n = kPatch.Size(1);
        if (heads <= 0 || d % heads != 0) throw new ArgumentException($"{op}: {heads} heads do not divide D = {d}.", nameof(heads));
        Expect.Shape(op, "kToken", kToken.Shape, tasks, b, d);
        Expect.Shape(op, "vToken", vToken.Shape, tasks, b, d);
        Expect.Shape(op, "kPatch", kPatch.Shape, b, n, d);
        Expect.Shape(op, "vPatch", vPatch.Shape, b, n, d);
        var be = q.Backend;
        var attn = be.Empty(q.DType, [tasks, b, heads, 1 + n]);
        var y = be.Empty(q.DType, [tasks, b, d]);
        be.TaskAttentionForward(q.Value, kToken.Value, vToken.Value, kPatch.Value, vPatch.Value, heads, scale, attn, y);
        if (!Tape.ShouldRecord([q, kToken, vToken, kPatch, vPatch]))
        {
            attn.Dispose();
            return new Variable(y);
        }
        return Tape.Record(new TaskAttentionNode(q, kToken, vToken, kPatch, vPatch, heads, scale, attn), y);
    }

    internal static TensorT FromHost(double[] values, int[] shape, IBackend backend, DType dtype)
    {
        var t = backend.Empty(dtype, shape);
        switch (dtype)
        {
            case DType.Float64:
                backend.CopyFromHost(MemoryMarshal.AsBytes(values.AsSpan()), t);
                break;
            case DType.Float32:
                var f = new float[values.Length];
                for (int i = 0; i < f.Length; i++) f[i] = (float)values[i];
                backend.CopyFromHost(MemoryMarshal.AsBytes(f.AsSpan()), t);
                break;
            default:
                t.Dispose();
                throw new ArgumentException($"expected a floating dtype; got {dtype}.", nameof(dtype));
        }
        return t;
    }

    private sealed class GpsaNode(Variable qk, Variable v, Variable posWeight, Variable posBias, Variable gates, TensorT rel,
                                  int heads, double scale, TensorT posAttn, TensorT content, TensorT attn) : Node
    {
        public override string Name => "Gpsa";

        internal override void Backward(TensorT dy)
        {
            var be = dy.Backend;
            // The backend assigns all four gradients together; unneeded ones are dropped.
            var dqk = Like(qk.Value);
            var dv = Like(v.Value);
            var dPos = Like(posAttn);
            var dGates = Like(gates.Value);
            be.GpsaBackward(dy, qk.Value, v.Value, posAttn, gates.Value, heads, scale, content, attn, dqk, dv, dPos, dGates);
            if (qk.RequiresGrad) Give(qk, dqk); else dqk.Dispose();
            if (v.RequiresGrad) Give(v, dv); else dv.Dispose();
            if (gates.RequiresGrad) Give(gates, dGates); else dGates.Dispose();
            if (posWeight.RequiresGrad || posBias.RequiresGrad)
            {
                var dw = Like(posWeight.Value);
                var db = Like(posBias.Value);
                be.GpsaPositionalBackward(dPos, posAttn, rel, dw, db);
                if (posWeight.RequiresGrad) Give(posWeight, dw); else dw.Dispose();
                if (posBias.RequiresGrad) Give(posBias, db); else db.Dispose();
            }
            dPos.Dispose();
        }

        internal override void Release()
        {
            posAttn.Dispose();
            content.Dispose();
            attn.Dispose();
        }
    }

    private sealed class TaskAttentionNode(Variable q, Variable kToken, Variable vToken, Variable kPatch, Variable vPatch,
                                           int heads, double scale, TensorT attn) : Node
    {
        public override string Name => "TaskAttention";

        internal override void Backward(TensorT dy)
        {
            var dq = Like(q.Value);
            var dkt = Like(kToken.Value);
            var dvt = Like(vToken.Value);
            var dkp = Like(kPatch.Value);
            var dvp = Like(vPatch.Value);
            dy.Backend.TaskAttentionBackward(dy, q.Value, kToken.Value, vToken.Value, kPatch.Value, vPatch.Value, heads, scale, attn,
                                             dq, dkt, dvt, dkp, dvp);
            GiveOrDrop(q, dq);
            GiveOrDrop(kToken, dkt);
            GiveOrDrop(vToken, dvt);
            GiveOrDrop(kPatch, dkp);
            GiveOrDrop(vPatch, dvp);
        }

        private static void GiveOrDrop(Variable input, TensorT g)
        {
            if (input.RequiresGrad) Give(input, g); else g.Dispose();
        }

        internal override void Release() => attn.Dispose();
    }
}
