#!/usr/bin/python3
"""Converts DyTox checkpoints between the original's PyTorch format and safetensors, both ways.

  pth2st  IN.pth OUT.safetensors   the original's checkpoint_<task>.pth ({'model': state_dict, ...}, or a bare
                                   state dict) -> safetensors with the same names, for DyTox.Native
                                   (`inspect --weights OUT.safetensors --options ...`)
  st2pth  IN.safetensors OUT.pth   a DyTox.Native model.safetensors (runs/.../checkpoint/ or checkpoint-tasks/task<k>/)
                                   -> {'model': state_dict}, what the original's main.py loads with --resume

The names are the checkpoint contract of docs/dytox-state-dict.md; both directions check them (every key a DyTox key,
task tokens [1, 1, D], heads present for every token) and keep float32. No safetensors package is needed: the file
is written in the reference library's exact layout (tensors by dtype alignment then name, compact JSON header,
padded to 8 bytes). Needs torch (Debian: /usr/bin/python3 with python3-torch).
"""

import argparse
import json
import os
import re
import struct
import sys

import numpy as np
import torch

_DTYPES = {torch.float32: ("F32", 4, np.float32), torch.float64: ("F64", 8, np.float64)}
_BY_NAME = {v[0]: (k, v[2]) for k, v in _DTYPES.items()}
_KEY = re.compile(r"^(pos_embed|patch_embed\.proj\.(weight|bias)|sabs\.\d+\..+|tabs\.\d+\..+|task_tokens\.\d+"
                  r"|head\.\d+\.(head|norm)\.(weight|bias)|head_div\.(head|norm)\.(weight|bias))$")


def check(state, source):
    """Refuses what is not a DyTox state dict in the original's names."""
    bad = [k for k in state if not _KEY.match(k)]
    if bad:
        raise SystemExit(f"{source}: not DyTox parameter names (docs/dytox-state-dict.md): {', '.join(sorted(bad)[:5])}")
    tokens = sorted(int(k.split(".")[1]) for k in state if k.startswith("task_tokens."))
    heads = sorted({int(k.split(".")[1]) for k in state if re.match(r"^head\.\d+\.", k)})
    if not tokens or tokens != list(range(len(tokens))) or heads != list(range(len(heads))) or len(heads) < len(tokens):
        raise SystemExit(f"{source}: task tokens {tokens} and heads {heads} do not form tasks 0..T-1")
    for k in (f"task_tokens.{t}" for t in tokens):
        if state[k].dim() != 3 or tuple(state[k].shape[:2]) != (1, 1):
            raise SystemExit(f"{source}: {k} has shape {tuple(state[k].shape)}; expected [1, 1, D]")
    for k, t in state.items():
        if t.dtype not in _DTYPES:
            raise SystemExit(f"{source}: {k} is {t.dtype}; expected float32 or float64")


def write_safetensors(path, state):
    names = sorted(state, key=lambda n: (-_DTYPES[state[n].dtype][1], n.encode("utf-8")))
    header, blobs, offset = {}, [], 0
    for n in names:
        t = state[n].detach().cpu().contiguous()
        blob = t.numpy().astype(_DTYPES[t.dtype][2]().dtype.newbyteorder("<"), copy=False).tobytes()
        header[n] = {"dtype": _DTYPES[t.dtype][0], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    head = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    base, state = 8 + size, {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in _BY_NAME:
            raise SystemExit(f"{path}: {name} is {entry['dtype']}; expected F32 or F64")
        torch_dtype, np_dtype = _BY_NAME[entry["dtype"]]
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[base + begin:base + end], dtype=np.dtype(np_dtype).newbyteorder("<"))
        state[name] = torch.from_numpy(array.astype(np_dtype)).reshape(entry["shape"])
    return state


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("direction", choices=["pth2st", "st2pth"])
    parser.add_argument("source")
    parser.add_argument("target")
    a = parser.parse_args()
    if a.direction == "pth2st":
        checkpoint = torch.load(a.source, map_location="cpu")
        state = checkpoint["model"] if isinstance(checkpoint, dict) and "model" in checkpoint else checkpoint
        state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
        check(state, a.source)
        write_safetensors(a.target, state)
    else:
        state = read_safetensors(a.source)
        check(state, a.source)
        torch.save({"model": state}, a.target)
    tasks = sum(1 for k in state if k.startswith("task_tokens."))
    print(f"{a.target}: {len(state)} tensors, {sum(t.numel() for t in state.values()):,} parameters, {tasks} task token(s)")


if __name__ == "__main__":
    sys.exit(main())
