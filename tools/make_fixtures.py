#!/usr/bin/python3
"""PyTorch reference fixtures for the C# DyTox re-implementation.

Written from docs/dytox-spec.md and docs/dytox-state-dict.md (no timm / dytox code involved).
Everything runs in float64 on the CPU and is seeded, so the output is bit-for-bit reproducible
with the same torch build (Debian's python3-torch 1.13).

    /usr/bin/python3 tools/make_fixtures.py --out tests/fixtures    # write the fixtures
    /usr/bin/python3 tools/make_fixtures.py --check                 # parameter counts, CIFAR config

The safetensors files are written by hand (the `safetensors` package is not installed) with the
reference library's exact layout: tensors ordered by dtype alignment (descending) then name, compact
JSON header with "__metadata__" first, padded with spaces to a multiple of 8 bytes.
See tools/README.md for the fixture contents and conventions.
"""

import argparse
import array
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT_TAG = "dytox-fixture-v1"

# ----------------------------------------------------------------------------------------------
# safetensors writer
# ----------------------------------------------------------------------------------------------

# (safetensors dtype name, rank in the reference library's Dtype enum = alignment order, array code)
_DTYPES = {
    torch.float64: ("F64", 12, "d"),
    torch.float32: ("F32", 11, "f"),
    torch.int64: ("I64", 13, "q"),
    torch.int32: ("I32", 9, "i"),
    torch.uint8: ("U8", 1, "B"),
    torch.bool: ("BOOL", 0, "B"),
}


def _tensor_bytes(t):
    name, _, code = _DTYPES[t.dtype]
    flat = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.bool:
        flat = flat.to(torch.uint8)
    data = array.array(code, flat.tolist())
    if sys.byteorder != "little":
        data.byteswap()
    return data.tobytes()


def safetensors_bytes(tensors, metadata=None):
    """Serialises {name: tensor} exactly as the reference safetensors library does."""
    for name, t in tensors.items():
        if t.dtype not in _DTYPES:
            raise ValueError(f"{name}: unsupported dtype {t.dtype}")
    names = sorted(tensors, key=lambda n: (-_DTYPES[tensors[n].dtype][1], n.encode("utf-8")))
    header = {}
    if metadata is not None:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata, key=lambda k: k.encode("utf-8"))}
    blobs = []
    offset = 0
    for n in names:
        t = tensors[n]
        blob = _tensor_bytes(t)
        header[n] = {"dtype": _DTYPES[t.dtype][0], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    head = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


def write_safetensors(path, tensors, metadata):
    data = safetensors_bytes(tensors, metadata)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return len(data)


# ----------------------------------------------------------------------------------------------
# Model (spec §1). Module/attribute names reproduce the original state_dict keys.
# ----------------------------------------------------------------------------------------------


def init_transformer_linear(m):
    """ConViT `_init_weights`: Linear weights N(0, 0.02^2) (trunc_normal with cut-offs at +-2, i.e.
    effectively untruncated), biases 0; LayerNorm weight 1, bias 0."""
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02, a=-2.0, b=2.0)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


class PatchEmbed(nn.Module):
    """Conv2d(C -> D, kernel = stride = p) with torch's default init; tokens in row-major grid order."""

    def __init__(self, in_chans, embed_dim, patch_size):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))  # exact erf GELU (torch default)


def relative_indices(num_patches, dtype=None):
    """(N, N, 3) features [dx, dy, dx^2+dy^2] with dx = col_key - col_query, dy = row_key - row_query,
    on a grid of side int(sqrt(N)), tokens numbered row * side + col."""
    side = int(num_patches ** 0.5)
    if side * side != num_patches:
        raise ValueError(f"GPSA needs a square token grid, got N={num_patches}")
    idx = torch.arange(num_patches)
    row, col = idx // side, idx % side
    dx = (col[None, :] - col[:, None]).to(dtype or torch.get_default_dtype())
    dy = (row[None, :] - row[:, None]).to(dtype or torch.get_default_dtype())
    return torch.stack([dx, dy, dx * dx + dy * dy], dim=-1)


def local_pos_proj_weights(num_heads, locality_strength=1.0):
    """The 'local init' of pos_proj.weight (spec §1.4), returned as {head: (w_dx, w_dy, w_d2)}.

    kernel k = floor(sqrt(H)); center c = k // 2 for odd k and (k - 1) / 2 for even k (the original
    ConViT rule; an even k therefore centres the heads on half-integer offsets, e.g. +-0.5 for H=4).
    Head h = h1 + k*h2 gets w_d2 = -1, w_dy = 2*(h1 - c), w_dx = 2*(h2 - c); its positional score is
    -[(dx - (h2-c))^2 + (dy - (h1-c))^2] + const, peaking at offset (dx, dy) = (h2 - c, h1 - c).
    Heads >= k*k are not listed: they keep their random N(0, 0.02^2) weights. All weights (random
    ones included) are then multiplied by locality_strength.
    """
    k = int(num_heads ** 0.5)
    c = (k - 1) / 2 if k % 2 == 0 else k // 2
    out = {}
    for h1 in range(k):
        for h2 in range(k):
            out[h1 + k * h2] = (2.0 * (h2 - c), 2.0 * (h1 - c), -1.0)
    return out


class GPSA(nn.Module):
    def __init__(self, dim, num_heads, locality_strength=1.0):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"dim {dim} is not a multiple of num_heads {num_heads}")
        self.num_heads = num_heads
        self.dim = dim
        self.scale = (dim // num_heads) ** -0.5
        self.qk = nn.Linear(dim, 2 * dim, bias=False)
        self.v = nn.Linear(dim, dim, bias=False)
        self.proj = nn.Linear(dim, dim)
        self.pos_proj = nn.Linear(3, num_heads)
        self.gating_param = nn.Parameter(torch.ones(num_heads))
        self.apply(init_transformer_linear)
        self.local_init(locality_strength)
        self.last_maps = None  # (content, positional, gated) of the last forward, for fixtures

    @torch.no_grad()
    def local_init(self, locality_strength):
        self.v.weight.copy_(torch.eye(self.dim))
        for h, (wx, wy, wd) in local_pos_proj_weights(self.num_heads).items():
            self.pos_proj.weight[h, 0] = wx
            self.pos_proj.weight[h, 1] = wy
            self.pos_proj.weight[h, 2] = wd
        self.pos_proj.weight.mul_(locality_strength)

    def forward(self, x):
        B, N, C = x.shape
        H, d = self.num_heads, C // self.num_heads
        qk = self.qk(x).reshape(B, N, 2, H, d).permute(2, 0, 3, 1, 4)  # channels: [Q | K], head-major
        q, k = qk[0], qk[1]
        v = self.v(x).reshape(B, N, H, d).permute(0, 2, 1, 3)
        content = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)  # (B, H, N, N)
        rel = relative_indices(N, x.dtype)
        positional = self.pos_proj(rel).permute(2, 0, 1).softmax(dim=-1)  # (H, N, N), batch independent
        gate = torch.sigmoid(self.gating_param).view(1, H, 1, 1)
        attn = (1.0 - gate) * content + gate * positional.unsqueeze(0)
        attn = attn / attn.sum(dim=-1, keepdim=True)  # row renormalisation (kept as in the reference)
        self.last_maps = (content, positional, attn)
        out = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(out)


class SABlock(nn.Module):
    """ConViT block with GPSA (a DyTox SAB). Drop-path is 0 in the fixtures (identity)."""

    def __init__(self, dim, num_heads, mlp_ratio=4):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn = GPSA(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, dim * mlp_ratio)
        self.mlp.apply(init_transformer_linear)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ClassAttention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(dim, dim, bias=False)
        self.v = nn.Linear(dim, dim, bias=False)
        self.proj = nn.Linear(dim, dim)
        self.apply(init_transformer_linear)
        self.last_attn = None

    def forward(self, z):
        B, M, C = z.shape
        H, d = self.num_heads, C // self.num_heads
        q = self.q(z[:, 0]).reshape(B, 1, H, d).permute(0, 2, 1, 3) * self.scale  # task token only
        k = self.k(z).reshape(B, M, H, d).permute(0, 2, 1, 3)
        v = self.v(z).reshape(B, M, H, d).permute(0, 2, 1, 3)
        attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)  # (B, H, 1, 1+N)
        self.last_attn = attn
        out = (attn @ v).transpose(1, 2).reshape(B, 1, C)
        return self.proj(out)


class TABlock(nn.Module):
    """CaiT class-attention block (the DyTox TAB): returns the updated task token (B, 1, D)."""

    def __init__(self, dim, num_heads, mlp_ratio=4):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn = ClassAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, dim * mlp_ratio)
        self.mlp.apply(init_transformer_linear)

    def forward(self, z):
        token = z[:, :1]
        u = token + self.attn(self.norm1(z))  # residual on the RAW token
        return u + self.mlp(self.norm2(u))  # MLP on the token only


class ContinualClassifier(nn.Module):
    """LayerNorm + Linear with torch default inits (NOT the 0.02 transformer init)."""

    def __init__(self, dim, num_classes):
        super().__init__()
        self.head = nn.Linear(dim, num_classes)  # registered first: state_dict order head.*, norm.*
        self.norm = nn.LayerNorm(dim, eps=1e-5)

    def forward(self, e):
        return self.head(self.norm(e))


class DyTox(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        D, H = cfg["embed_dim"], cfg["num_heads"]
        n = (cfg["img_size"] // cfg["patch_size"]) ** 2
        self.embed_dim = D
        self.pos_embed = nn.Parameter(torch.zeros(1, n, D))
        nn.init.trunc_normal_(self.pos_embed, std=0.02, a=-2.0, b=2.0)
        self.patch_embed = PatchEmbed(cfg["in_chans"], D, cfg["patch_size"])
        self.sabs = nn.ModuleList([SABlock(D, H, cfg["mlp_ratio"]) for _ in range(cfg["num_sabs"])])
        self.tabs = nn.ModuleList([TABlock(D, H, cfg["mlp_ratio"]) for _ in range(cfg["num_tabs"])])
        token = nn.Parameter(torch.zeros(1, 1, D))
        nn.init.trunc_normal_(token, std=0.02, a=-2.0, b=2.0)
        self.task_tokens = nn.ParameterList([token])
        self.head = nn.ModuleList([ContinualClassifier(D, cfg["classes_per_task"][0])])
        self.head_div = None
        self.acts = {}

    def add_task(self, num_classes):
        """Spec §1.6-1.8: new token (fresh N(0, 0.02^2)), new head, fresh divergence head."""
        token = nn.Parameter(self.task_tokens[-1].detach().clone())
        with torch.no_grad():
            nn.init.trunc_normal_(token, std=0.02, a=-2.0, b=2.0)
        self.task_tokens.append(token)
        self.head.append(ContinualClassifier(self.embed_dim, num_classes))
        self.head_div = ContinualClassifier(self.embed_dim, num_classes + 1)

    def forward(self, x):
        B = x.shape[0]
        t = self.patch_embed(x) + self.pos_embed
        self.acts = {"patch_embed": t}
        for i, blk in enumerate(self.sabs):
            t = blk(t)
            self.acts[f"sabs.{i}"] = t
        embeddings = []
        for token in self.task_tokens:
            e = token.expand(B, -1, -1)
            for blk in self.tabs:
                e = blk(torch.cat((e, t), dim=1))
            embeddings.append(e[:, 0])
        self.acts["task_embeddings"] = torch.stack(embeddings)  # (T, B, D)
        logits = torch.cat([head(e) for head, e in zip(self.head, embeddings)], dim=1)
        div = self.head_div(embeddings[-1]) if self.head_div is not None else None
        return logits, div


# ----------------------------------------------------------------------------------------------
# Losses (spec §2.5) and optimizer (spec §2.4)
# ----------------------------------------------------------------------------------------------


def bce_mean(logits, targets):
    return F.binary_cross_entropy_with_logits(logits, targets, reduction="mean")


def kd_kl_mean(student_old_logits, teacher_logits, tau=1.0):
    """tau^2 * mean over B*C_old of p_t * (log p_t - log p_s), softmax over the old columns."""
    log_ps = F.log_softmax(student_old_logits / tau, dim=1)
    log_pt = F.log_softmax(teacher_logits / tau, dim=1)
    # Written out rather than F.kl_div(reduction="mean"), whose element-mean is exactly this.
    return (log_pt.exp() * (log_pt - log_ps)).sum() / log_ps.numel() * tau * tau


def divergence_targets(y, c_old, c_new):
    idx = torch.where(y < c_old, torch.zeros_like(y), y - c_old + 1)
    return F.one_hot(idx, c_new + 1).to(torch.get_default_dtype())


def adamw_groups(named_params, weight_decay):
    decay, no_decay = [], []
    for name, p in named_params:
        if not p.requires_grad:
            continue
        (no_decay if p.ndim <= 1 or name.endswith(".bias") else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


# ----------------------------------------------------------------------------------------------
# Fixture scenarios
# ----------------------------------------------------------------------------------------------

MODEL_CFG = {
    "img_size": 16,
    "patch_size": 4,
    "in_chans": 3,
    "embed_dim": 36,
    "num_heads": 9,
    "mlp_ratio": 4,
    "num_sabs": 2,
    "num_tabs": 1,
    "classes_per_task": [3, 2],
    "batch": 4,
    "layer_norm_eps": 1e-5,
    "drop_path": 0.0,
    "dtype": "float64",
}

OPT_CFG = {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 1e-6, "steps": 3,
           "no_decay": "1-D params and names ending in .bias"}


def perturb_(module, scale, gen):
    """Moves every parameter away from its init (emulates training) so no path is degenerate."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=gen))


def state(model, prefix=""):
    return {prefix + k: v.detach().clone() for k, v in model.state_dict().items()}


def model_activations(model):
    return {"act." + k: v.detach().clone() for k, v in model.acts.items()}


def make_task0(out_dir):
    torch.manual_seed(1000)
    cfg = dict(MODEL_CFG)
    model = DyTox(cfg)  # pure spec init
    B, C0 = cfg["batch"], cfg["classes_per_task"][0]
    x = torch.randn(B, cfg["in_chans"], cfg["img_size"], cfg["img_size"])
    y = torch.tensor([2, 0, 1, 2], dtype=torch.int64)
    logits, _ = model(x)
    loss = bce_mean(logits, F.one_hot(y, C0).to(x.dtype))
    model.zero_grad()
    loss.backward()
    tensors = state(model)
    tensors.update({"x": x, "y": y, "logits": logits.detach(), "loss.clf": loss.detach(), "loss.total": loss.detach()})
    tensors.update(model_activations(model))
    for name, p in model.named_parameters():
        tensors["grad." + name] = p.grad.detach().clone()
    meta = {"scenario": "dytox_task0_forward", "config": json.dumps(cfg),
            "description": "Freshly initialised task-0 DyTox (spec init), BCE element-mean loss, grads of all parameters."}
    return write(out_dir, "dytox_task0_forward.safetensors", tensors, meta)


def make_task1(out_dir):
    cfg = dict(MODEL_CFG)
    c0, c1 = cfg["classes_per_task"]
    c_tot = c0 + c1
    gen = torch.Generator().manual_seed(2001)
    torch.manual_seed(2000)

    # Teacher = the model after task 0 (weights moved off their init to emulate training).
    teacher = DyTox(cfg)
    perturb_(teacher, 0.1, gen)
    teacher.eval()

    # Student = copy of the teacher + token/head/div head for task 1; the shared (trainable) weights
    # have drifted a little so that KD is non-zero; the frozen old token/head equal the teacher's.
    student = DyTox(cfg)
    student.load_state_dict(teacher.state_dict())
    student.add_task(c1)
    perturb_(student.head_div, 0.05, gen)
    with torch.no_grad():
        for name, p in student.named_parameters():
            if not (name == "task_tokens.0" or name.startswith("head.0.") or name.startswith("head_div.")
                    or name == "task_tokens.1" or name.startswith("head.1.")):
                p.add_(0.02 * torch.randn(p.shape, generator=gen))
    frozen = ["task_tokens.0"] + [n for n, _ in student.named_parameters() if n.startswith("head.0.")]
    for name, p in student.named_parameters():
        p.requires_grad_(name not in frozen)

    B = cfg["batch"]
    x = torch.randn(B, cfg["in_chans"], cfg["img_size"], cfg["img_size"], generator=gen)
    y = torch.tensor([3, 0, 4, 2], dtype=torch.int64)  # two new-task labels, two rehearsal labels
    alpha = c0 / c_tot
    y_onehot = F.one_hot(y, c_tot).to(x.dtype)
    y_div = divergence_targets(y, c0, c1)

    with torch.no_grad():
        teacher_logits, _ = teacher(x)

    def loss_terms():
        logits, div = student(x)
        clf = bce_mean(logits, y_onehot)
        kd = kd_kl_mean(logits[:, :c0], teacher_logits)
        dv = bce_mean(div, y_div)
        total = (1 - alpha) * clf + alpha * kd + 0.1 * dv
        torch_kd = F.kl_div(F.log_softmax(logits[:, :c0], 1), F.log_softmax(teacher_logits, 1),
                            reduction="sum", log_target=True) / (B * c0)
        assert torch.allclose(kd, torch_kd, rtol=1e-12, atol=0), (kd, torch_kd)
        return logits, div, clf, kd, dv, total

    tensors = state(student)
    tensors.update(state(teacher, "teacher."))
    logits, div, clf, kd, dv, total = loss_terms()
    student.zero_grad()
    total.backward()
    tensors.update(model_activations(student))
    tensors.update({
        "x": x, "y": y, "y_div": y_div,
        "logits": logits.detach(), "div_logits": div.detach(), "teacher_logits": teacher_logits,
        "loss.clf": clf.detach(), "loss.kd": kd.detach(), "loss.div": dv.detach(), "loss.total": total.detach(),
        "alpha": torch.tensor(alpha),
    })
    trainable = [(n, p) for n, p in student.named_parameters() if p.requires_grad]
    for name, p in trainable:
        tensors["grad." + name] = p.grad.detach().clone()

    opt = torch.optim.AdamW(adamw_groups(student.named_parameters(), OPT_CFG["weight_decay"]),
                            lr=OPT_CFG["lr"], betas=tuple(OPT_CFG["betas"]), eps=OPT_CFG["eps"])
    losses = [total.detach().clone()]
    for step in range(OPT_CFG["steps"]):
        if step > 0:
            total = loss_terms()[-1]
            student.zero_grad()
            total.backward()
            losses.append(total.detach().clone())
        opt.step()
    with torch.no_grad():
        losses.append(loss_terms()[-1].detach().clone())
    tensors["loss.per_step"] = torch.stack(losses)
    for name, p in trainable:
        tensors["step3." + name] = p.detach().clone()

    meta = {"scenario": "dytox_task1_step", "config": json.dumps(cfg), "optimizer": json.dumps(OPT_CFG),
            "frozen": json.dumps(frozen),
            "description": "Task-1 student vs task-0 teacher: logits, loss terms, grads of trainable params, "
                           "weights after 3 AdamW steps on the same batch."}
    return write(out_dir, "dytox_task1_step.safetensors", tensors, meta)


def block_perturbation(block, gen):
    """Random, clearly non-init parameters so that every branch of the block matters."""
    with torch.no_grad():
        for name, p in block.named_parameters():
            if name.endswith("norm1.weight") or name.endswith("norm2.weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith("gating_param"):
                p.copy_(torch.randn(p.shape, generator=gen))
            elif name.endswith("pos_proj.weight"):
                p.add_(0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith("attn.v.weight") and isinstance(block, SABlock):
                p.add_(0.2 * torch.randn(p.shape, generator=gen))
            elif p.ndim >= 2:
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))


BLOCK_CASES = {
    # name: (batch, N, D, H)
    "small": (2, 16, 36, 9),    # the model config: 4x4 grid, d = 4, all 9 heads local (k = 3)
    "ragged": (2, 25, 36, 12),  # 5x5 grid, D not a multiple of 32, d = 3, heads 9..11 non-local
}


def make_gpsa_block(out_dir):
    tensors, cases = {}, {}
    for ci, (case, (B, N, D, H)) in enumerate(BLOCK_CASES.items()):
        torch.manual_seed(3000 + ci)
        gen = torch.Generator().manual_seed(3100 + ci)
        block = SABlock(D, H, MODEL_CFG["mlp_ratio"])
        block_perturbation(block, gen)
        x = torch.randn(B, N, D, generator=gen).requires_grad_(True)
        out = block(x)
        g = torch.randn(out.shape, generator=gen)
        out.backward(g)
        content, positional, gated = block.attn.last_maps
        p = f"{case}."
        tensors.update({p + "x": x.detach(), p + "out": out.detach(), p + "grad_out": g, p + "grad_x": x.grad.detach(),
                        p + "act.attn_content": content.detach(), p + "act.attn_positional": positional.detach(),
                        p + "act.attn": gated.detach(), p + "act.rel_indices": relative_indices(N)})
        for name, prm in block.named_parameters():
            tensors[p + "param." + name] = prm.detach().clone()
            tensors[p + "grad." + name] = prm.grad.detach().clone()
        cases[case] = {"batch": B, "tokens": N, "embed_dim": D, "num_heads": H, "mlp_hidden": D * MODEL_CFG["mlp_ratio"]}
    meta = {"scenario": "gpsa_block", "cases": json.dumps(cases),
            "description": "One SAB (GPSA block) per case: out = block(x); grads for upstream gradient grad_out."}
    return write(out_dir, "gpsa_block.safetensors", tensors, meta)


def make_tab_block(out_dir):
    tensors, cases = {}, {}
    for ci, (case, (B, N, D, H)) in enumerate(BLOCK_CASES.items()):
        torch.manual_seed(4000 + ci)
        gen = torch.Generator().manual_seed(4100 + ci)
        block = TABlock(D, H, MODEL_CFG["mlp_ratio"])
        block_perturbation(block, gen)
        x = torch.randn(B, 1 + N, D, generator=gen).requires_grad_(True)  # row 0 = task token
        out = block(x)  # (B, 1, D)
        g = torch.randn(out.shape, generator=gen)
        out.backward(g)
        p = f"{case}."
        tensors.update({p + "x": x.detach(), p + "out": out.detach(), p + "grad_out": g, p + "grad_x": x.grad.detach(),
                        p + "act.attn": block.attn.last_attn.detach()})
        for name, prm in block.named_parameters():
            tensors[p + "param." + name] = prm.detach().clone()
            tensors[p + "grad." + name] = prm.grad.detach().clone()
        cases[case] = {"batch": B, "tokens": 1 + N, "embed_dim": D, "num_heads": H, "mlp_hidden": D * MODEL_CFG["mlp_ratio"]}
    meta = {"scenario": "tab_block", "cases": json.dumps(cases),
            "description": "One TAB per case: x = [task token; N patches] (B, 1+N, D), out = updated token (B, 1, D)."}
    return write(out_dir, "tab_block.safetensors", tensors, meta)


def write(out_dir, file_name, tensors, meta):
    meta = dict(meta)
    meta["format"] = FORMAT_TAG
    meta["torch"] = torch.__version__
    path = os.path.join(out_dir, file_name)
    size = write_safetensors(path, tensors, meta)
    scalars = sum(t.numel() for t in tensors.values())
    print(f"wrote {path}: {len(tensors)} tensors, {scalars} scalars, {size} bytes")
    groups = {}
    for k in sorted(tensors):
        head = k.split(".")[0] if k.split(".")[0] in ("grad", "step3", "teacher", "act", "loss", "small", "ragged") else "(model/io)"
        groups.setdefault(head, []).append(k)
    for head, keys in groups.items():
        print(f"    {head:12s} {len(keys):4d} keys, e.g. {', '.join(keys[:3])}")
    return path


# ----------------------------------------------------------------------------------------------
# --check: parameter counts of the real CIFAR configuration (spec §5.1, state-dict doc)
# ----------------------------------------------------------------------------------------------

CIFAR_CFG = {"img_size": 32, "patch_size": 4, "in_chans": 3, "embed_dim": 384, "num_heads": 12, "mlp_ratio": 4,
             "num_sabs": 5, "num_tabs": 1, "classes_per_task": [10]}


def count(params):
    return sum(p.numel() for p in params)


def check(state_dict_doc):
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float32)
    m = DyTox(CIFAR_CFG)
    trunk = count([m.pos_embed]) + count(m.patch_embed.parameters()) + count(m.sabs.parameters()) + count(m.tabs.parameters())
    sab = count(m.sabs[0].parameters())
    tab = count(m.tabs[0].parameters())
    per_task = count([m.task_tokens[0]]) + count(m.head[0].parameters())
    results = [("one SAB", sab, 1_773_372), ("one TAB", tab, 1_773_312), ("trunk", trunk, 10_683_564),
               ("per 10-class task (token + head)", per_task, 5_002)]
    m.add_task(10)
    two = m.state_dict()
    results.append(("state_dict after 2 tasks (with div head)", sum(v.numel() for v in two.values()), 10_698_571))
    results.append(("state_dict tensors after 2 tasks", len(two), 105))
    for _ in range(8):
        m.add_task(10)
    m.head_div = None
    results.append(("final model, 10 tasks x 10 classes", count(m.parameters()), 10_733_584))
    ok = True
    for what, got, want in results:
        flag = "OK " if got == want else "BAD"
        ok &= got == want
        print(f"{flag} {what}: {got:,} (spec {want:,})")

    if state_dict_doc:
        expected = parse_state_dict_doc(state_dict_doc)
        got = [(k, list(v.shape)) for k, v in two.items()]
        same = got == expected
        ok &= same
        print(f"{'OK ' if same else 'BAD'} state_dict keys/shapes/order vs {state_dict_doc}: "
              f"{len(got)} ours, {len(expected)} documented")
        if not same:
            for a, b in zip(got, expected):
                if a != b:
                    print(f"    first difference: ours {a} vs doc {b}")
                    break

    # GPSA positional init (spec §9): on the 8x8 grid at a central query, head 4 peaks on the query
    # itself and head 7 one column to the right (dx = +1); in general head h1 + 3*h2 peaks at
    # (dx, dy) = (h2 - 1, h1 - 1).
    gpsa = m.sabs[0].attn
    with torch.no_grad():
        pos = gpsa.pos_proj(relative_indices(64)).permute(2, 0, 1).softmax(-1)
    q = 3 * 8 + 3
    for h, (ddx, ddy) in {4: (0, 0), 7: (1, 0), 5: (0, 1), 0: (-1, -1), 8: (1, 1)}.items():
        key = int(pos[h, q].argmax())
        got = (key % 8 - q % 8, key // 8 - q // 8)
        good = got == (ddx, ddy)
        ok &= good
        print(f"{'OK ' if good else 'BAD'} GPSA head {h} positional peak at (dx, dy) = {got}, expected {(ddx, ddy)}")
    print("CHECK PASSED" if ok else "CHECK FAILED")
    return ok


def parse_state_dict_doc(path):
    keys, inside = [], False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("### Same list, plain"):
                inside = True
                continue
            if inside and "\t" in line:
                k, shape = line.rstrip("\n").split("\t")
                keys.append((k, json.loads(shape)))
    return keys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="directory to write the fixtures into")
    ap.add_argument("--check", action="store_true", help="verify parameter counts of the CIFAR configuration")
    ap.add_argument("--state-dict-doc", help="docs/dytox-state-dict.md, to compare keys/shapes in --check")
    args = ap.parse_args()
    if not args.out and not args.check:
        ap.error("give --out DIR and/or --check")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # reduction order independent of the machine's core count
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        torch.set_default_dtype(torch.float64)
        for make in (make_task0, make_task1, make_gpsa_block, make_tab_block):
            make(args.out)
    if args.check:
        if not check(args.state_dict_doc):
            sys.exit(1)


if __name__ == "__main__":
    main()
