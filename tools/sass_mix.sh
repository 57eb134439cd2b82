#!/usr/bin/env bash
# sass_mix.sh: static SASS instruction mix of the kernels of one kernels/*.cu file. A developer tool (CI never
# runs it). It compiles FILE with nvcc for ARCH (default sm_90) into a cubin, disassembles it with cuobjdump -sass
# and prints, per kernel: registers and spill bytes (ptxas -v), then the static instruction count by class.
# Static means a loop body counts once; for per-block dynamic counts weight the basic blocks by trip counts.
# Needs NVIDIA's CUDA toolkit (nvcc, cuobjdump): Debian bookworm non-free, `apt-get install nvidia-cuda-toolkit`
# (CUDA 11.8; its nvcc rejects g++ 12, so clang-14 is used as the host compiler when present).
# CUDA 11.8's disassembler prints a few sm_90 instructions not at all (VIMNMX, integer min/max); they are counted
# from their encodings in the "undec" column and included in "int".
# -std=c++17 -lineinfo as the product's NVRTC build (src/Kernels/Cuda/NvrtcCompiler.cs), whose CUDA version may differ.
#
# Usage: tools/sass_mix.sh kernels/gpsa_attention_v4.cu [sm_90] [kernel-name-regex]
set -euo pipefail
file=${1:?usage: $0 kernels/FILE.cu [sm_XX] [kernel-name-regex]}
arch=${2:-sm_90}
filter=${3:-.}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=(-cubin -arch="$arch" -O3 -std=c++17 -lineinfo -Xptxas -v -I "$root/kernels" -o "$tmp/k.cubin" "$file")
if ! nvcc "${flags[@]}" > "$tmp/ptxas.txt" 2>&1; then
    command -v clang-14 > /dev/null && nvcc -ccbin clang-14 "${flags[@]}" > "$tmp/ptxas.txt" 2>&1 \
        || { cat "$tmp/ptxas.txt" >&2; exit 1; }
fi
cuobjdump -sass "$tmp/k.cubin" > "$tmp/k.sass"

python3 - "$tmp/ptxas.txt" "$tmp/k.sass" "$filter" <<'PY'
import re, sys, collections
ptxas, sass, filt = open(sys.argv[1]).read(), open(sys.argv[2]).read().split('\n'), sys.argv[3]
res, fn = {}, None
for line in ptxas.split('\n'):
    m = re.search(r"Compiling entry function '(\w+)'", line) or re.search(r"Function properties for (\w+)", line)
    if m: fn = m.group(1); res.setdefault(fn, {})
    m = re.search(r'(\d+) bytes spill stores, (\d+) bytes spill loads', line)
    if m and fn: res[fn]['spill'] = int(m.group(1)) + int(m.group(2))
    m = re.search(r'Used (\d+) registers', line)
    if m and fn: res[fn]['regs'] = int(m.group(1))
CLS = [('hmma', {'HMMA'}), ('ffma/fmul/fadd', {'FFMA', 'FMUL', 'FADD'}), ('fsetp/fsel/fmnmx', {'FSETP', 'FSEL', 'FMNMX', 'FCHK'}),
       ('mufu', {'MUFU'}), ('cvt', {'I2F', 'F2I', 'F2F', 'FRND', 'I2FP', 'F2IP'}), ('lds', {'LDS', 'LDSM'}), ('sts', {'STS'}),
       ('ldg', {'LDG', 'LD'}), ('stg', {'STG', 'ST', 'RED', 'ATOM', 'ATOMG'}), ('local', {'LDL', 'STL'}), ('shfl', {'SHFL'}),
       ('bar', {'BAR'}), ('bssy/bsync/warpsync', {'BSSY', 'BSYNC', 'WARPSYNC', 'ENDCOLLECTIVE'}),
       ('bra/exit/ret', {'BRA', 'EXIT', 'RET', 'BRX', 'JMP'}), ('call', {'CALL'}), ('nop', {'NOP'})]
def cls(op):
    for name, ops in CLS:
        if op in ops: return name
    return 'int'   # integer / address / predicate / move / uniform-datapath work
counts, order, fn, enc_only, text = {}, [], None, collections.Counter(), collections.Counter()
for line in sass:
    m = re.search(r'Function : (\w+)', line)
    if m: fn = m.group(1); order.append(fn); counts[fn] = collections.Counter(); continue
    if fn is None: continue
    m = re.match(r'\s*/\*[0-9a-f]{4,}\*/\s+(?:@!?U?P[0-6T]\s+)?([A-Z0-9_]+)', line)
    if m: counts[fn][cls(m.group(1))] += 1; text[fn] += 1; continue
    if re.match(r'\s*/\* 0x[0-9a-f]{16} \*/\s*$', line): enc_only[fn] += 1
cols = ['regs', 'spill', 'total'] + [n for n, _ in CLS] + ['int', 'undec']
short = {'ffma/fmul/fadd': 'fp32', 'fsetp/fsel/fmnmx': 'fpcmp', 'bssy/bsync/warpsync': 'sync', 'bra/exit/ret': 'bra'}
print('%-28s' % 'kernel' + ''.join('%7s' % short.get(c, c) for c in cols))
for fn in order:
    if not re.search(filt, fn): continue
    c = counts[fn]
    undec = (enc_only[fn] - text[fn]) // 2   # each printed instruction has one trailing encoding-only line
    c['int'] += undec
    row = {'regs': res.get(fn, {}).get('regs', '?'), 'spill': res.get(fn, {}).get('spill', '?'),
           'total': sum(c.values()), 'undec': undec, **c}
    print('%-28s' % fn + ''.join('%7s' % row.get(col, 0) for col in cols))
print('(fp32 = FFMA/FMUL/FADD; fpcmp = FSETP/FSEL/FMNMX/FCHK; sync = BSSY/BSYNC/WARPSYNC; bra = BRA/EXIT/RET;'
      ' int = IMAD/IADD3/LOP3/ISETP/LEA/SHF/SEL/MOV/uniform ops incl. undec)')
PY
