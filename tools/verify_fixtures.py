#!/usr/bin/python3
"""Independent check of tests/fixtures: recomputes the stored forward values with plain numpy loops
written directly from the documented conventions (tools/README.md), without torch.

    /usr/bin/python3 tools/verify_fixtures.py tests/fixtures

It guards against a fixture that is self-consistent inside PyTorch but follows a layout other than
the documented one (head slicing, token order, key-minus-query offsets, TAB residual, loss means).
"""

import json
import math
import os
import struct
import sys

import numpy as np

TOL = 1e-12


def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    out = {}
    for k, v in header.items():
        s, e = v["data_offsets"]
        out[k] = np.frombuffer(data[s:e], dtype={"F64": "<f8", "I64": "<i8"}[v["dtype"]]).reshape(v["shape"])
    return out


def layer_norm(x, w, b):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-5) * w + b


def gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def log_softmax(a):
    m = a.max(1, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(1, keepdims=True))


def bce_mean(z, y):
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def mlp(x, P):
    h = gelu(x @ P("mlp.fc1.weight").T + P("mlp.fc1.bias"))
    return h @ P("mlp.fc2.weight").T + P("mlp.fc2.bias")


def rel_indices(n):
    side = int(round(n ** 0.5))
    rel = np.zeros((n, n, 3))
    for i in range(n):
        for j in range(n):
            dx, dy = j % side - i % side, j // side - i // side
            rel[i, j] = [dx, dy, dx * dx + dy * dy]
    return rel


def gpsa_block(x, P, H):
    """Returns (out, gated attention) for x (N, D) of one sample."""
    N, D = x.shape
    d = D // H
    z = layer_norm(x, P("norm1.weight"), P("norm1.bias"))
    wq, wk, wv = P("attn.qk.weight")[:D], P("attn.qk.weight")[D:], P("attn.v.weight")
    rel = rel_indices(N)
    heads, maps = [], []
    for h in range(H):
        rows = slice(h * d, (h + 1) * d)
        q, k, v = z @ wq[rows].T, z @ wk[rows].T, z @ wv[rows].T
        content = softmax(q @ k.T / math.sqrt(d))
        positional = softmax(rel @ P("attn.pos_proj.weight")[h] + P("attn.pos_proj.bias")[h])
        s = 1 / (1 + math.exp(-P("attn.gating_param")[h]))
        a = (1 - s) * content + s * positional
        a = a / a.sum(-1, keepdims=True)
        maps.append(a)
        heads.append(a @ v)
    y = x + np.concatenate(heads, -1) @ P("attn.proj.weight").T + P("attn.proj.bias")
    return y + mlp(layer_norm(y, P("norm2.weight"), P("norm2.bias")), P), np.stack(maps)


def tab_block(zin, P, H):
    """zin (1+N, D) with row 0 the task token; returns the updated token (D,)."""
    D = zin.shape[1]
    d = D // H
    z = layer_norm(zin, P("norm1.weight"), P("norm1.bias"))
    heads = []
    for h in range(H):
        rows = slice(h * d, (h + 1) * d)
        q = z[0] @ P("attn.q.weight")[rows].T
        k, v = z @ P("attn.k.weight")[rows].T, z @ P("attn.v.weight")[rows].T
        heads.append(softmax(k @ q / math.sqrt(d)) @ v)
    u = zin[0] + np.concatenate(heads) @ P("attn.proj.weight").T + P("attn.proj.bias")
    return u + mlp(layer_norm(u, P("norm2.weight"), P("norm2.bias")), P)


def model_forward(t, prefix, cfg, tokens):
    x = t["x"]
    B, p, D = x.shape[0], cfg["patch_size"], cfg["embed_dim"]
    side = cfg["img_size"] // p
    W = t[prefix + "patch_embed.proj.weight"].reshape(D, -1)
    X = np.zeros((B, side * side, D))
    for b in range(B):
        for r in range(side):
            for c in range(side):
                X[b, r * side + c] = W @ x[b, :, r * p:(r + 1) * p, c * p:(c + 1) * p].reshape(-1) + t[prefix + "patch_embed.proj.bias"]
    X += t[prefix + "pos_embed"][0]
    for i in range(cfg["num_sabs"]):
        P = lambda n, i=i: t[f"{prefix}sabs.{i}.{n}"]
        X = np.stack([gpsa_block(X[b], P, cfg["num_heads"])[0] for b in range(B)])
    logits, embeddings = [], []
    for ti in range(tokens):
        e = np.stack([t[f"{prefix}task_tokens.{ti}"][0, 0]] * B)
        for j in range(cfg["num_tabs"]):
            P = lambda n, j=j: t[f"{prefix}tabs.{j}.{n}"]
            e = np.stack([tab_block(np.concatenate([e[b:b + 1], X[b]]), P, cfg["num_heads"]) for b in range(B)])
        embeddings.append(e)
        h = f"{prefix}head.{ti}."
        logits.append(layer_norm(e, t[h + "norm.weight"], t[h + "norm.bias"]) @ t[h + "head.weight"].T + t[h + "head.bias"])
    return np.concatenate(logits, 1), embeddings


def check(what, got, want, failures):
    err = float(np.max(np.abs(np.asarray(got) - np.asarray(want))))
    ok = err <= TOL * max(1.0, float(np.max(np.abs(want))))
    print(f"{'OK ' if ok else 'BAD'} {what}: max |diff| {err:.2e}")
    if not ok:
        failures.append(what)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
    failures = []
    g = load(os.path.join(root, "gpsa_block.safetensors"))
    t = load(os.path.join(root, "tab_block.safetensors"))
    for case, H in (("small", 9), ("ragged", 12)):
        P = lambda n, c=case: g[f"{c}.param.{n}"]
        x = g[f"{case}.x"]
        res = [gpsa_block(x[b], P, H) for b in range(x.shape[0])]
        check(f"gpsa {case} out", np.stack([r[0] for r in res]), g[f"{case}.out"], failures)
        check(f"gpsa {case} attn", np.stack([r[1] for r in res]), g[f"{case}.act.attn"], failures)
        check(f"gpsa {case} rel_indices", rel_indices(x.shape[1]), g[f"{case}.act.rel_indices"], failures)
        P = lambda n, c=case: t[f"{c}.param.{n}"]
        x = t[f"{case}.x"]
        check(f"tab {case} out", np.stack([tab_block(x[b], P, H)[None] for b in range(x.shape[0])]), t[f"{case}.out"], failures)

    for name, tokens in (("dytox_task0_forward", 1), ("dytox_task1_step", 2)):
        path = os.path.join(root, name + ".safetensors")
        raw = open(path, "rb").read()
        cfg = json.loads(json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])["__metadata__"]["config"])
        f = load(path)
        logits, emb = model_forward(f, "", cfg, tokens)
        check(f"{name} logits", logits, f["logits"], failures)
        check(f"{name} task embeddings", np.stack(emb), f["act.task_embeddings"], failures)
        c_tot = logits.shape[1]
        clf = bce_mean(f["logits"], np.eye(c_tot)[f["y"]])
        check(f"{name} loss.clf", clf, f["loss.clf"], failures)
        if tokens == 2:
            c_old = cfg["classes_per_task"][0]
            teacher, _ = model_forward(f, "teacher.", cfg, 1)
            check(f"{name} teacher_logits", teacher, f["teacher_logits"], failures)
            h = "head_div."
            div = layer_norm(emb[-1], f[h + "norm.weight"], f[h + "norm.bias"]) @ f[h + "head.weight"].T + f[h + "head.bias"]
            check(f"{name} div_logits", div, f["div_logits"], failures)
            y = f["y"]
            y_div = np.eye(div.shape[1])[np.where(y < c_old, 0, y - c_old + 1)]
            check(f"{name} y_div", y_div, f["y_div"], failures)
            pt, ps = log_softmax(f["teacher_logits"]), log_softmax(f["logits"][:, :c_old])
            kd = (np.exp(pt) * (pt - ps)).sum() / pt.size
            check(f"{name} loss.kd", kd, f["loss.kd"], failures)
            check(f"{name} loss.div", bce_mean(div, y_div), f["loss.div"], failures)
            alpha = c_old / c_tot
            check(f"{name} loss.total", (1 - alpha) * clf + alpha * kd + 0.1 * bce_mean(div, y_div), f["loss.total"], failures)
    print("VERIFY PASSED" if not failures else f"VERIFY FAILED: {failures}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
