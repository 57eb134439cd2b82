#!/usr/bin/env bash
# gpu-check.sh: the GPU suite on the GPU test machine (H200, CUDA 13 driver, no .NET there).
#
# Runs the self-contained, trimmed runner published beforehand on a machine with the .NET SDK:
#   dotnet publish tests/DyTox.GpuTests -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o publish/gpu
# publish/ is git-ignored, so ship it with the working tree (device tool: carry ["publish/gpu"]).
# Writes under $OUT (default ./out/gpu): gpu-tests.txt (full report, last line "N passed, N failed"),
# bench.csv, nvidia-smi.txt, run.log and, when compute-sanitizer is present and allowed, memcheck.txt.
# Finishes in well under 5 minutes; exits with the runner's status.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/out/gpu}"
mkdir -p "$OUT"
RUNNER=publish/gpu/DyTox.GpuTests
if [ ! -x "$RUNNER" ]; then
    echo "missing $RUNNER: publish it first (see the header of $0)" | tee "$OUT/run.log"
    exit 3
fi

nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || echo "nvidia-smi failed" >> "$OUT/nvidia-smi.txt"

# NVRTC loads libnvrtc-builtins through the dynamic loader, so put the directories holding NVIDIA's
# libraries (toolkit, pip wheels) on LD_LIBRARY_PATH; the runner's own resolver probes the same places.
lib_dirs=()
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/nvidia/lib64; do [ -d "$d" ] && lib_dirs+=("$d"); done
if command -v python3 >/dev/null 2>&1; then
    while IFS= read -r d; do [ -n "$d" ] && lib_dirs+=("$d"); done < <(python3 - <<'PY' 2>/dev/null
import glob, site
paths = list(site.getsitepackages()) + [site.getusersitepackages()]
for p in paths:
    for d in sorted(glob.glob(p + "/nvidia/*/lib")):
        print(d)
PY
)
fi
if [ ${#lib_dirs[@]} -gt 0 ]; then
    joined=$(IFS=:; echo "${lib_dirs[*]}")
    export LD_LIBRARY_PATH="$joined${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
export DYTOX_KERNEL_CACHE_DIR="${DYTOX_KERNEL_CACHE_DIR:-/tmp/dytox-kernel-cache}"
export DOTNET_gcServer=0

{
    echo "date: $(date -u +%FT%TZ)"
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    echo "--- runner"
} > "$OUT/run.log"

timeout 240 "$RUNNER" --out "$OUT" >> "$OUT/run.log" 2>&1
status=$?
[ $status -eq 124 ] && echo "runner timed out after 240 s" >> "$OUT/run.log"
tail -n 1 "$OUT/run.log"

# memcheck of the checks (no benchmarks); refused under some sandboxes, then only noted.
if command -v compute-sanitizer >/dev/null 2>&1; then
    DYTOX_CUDA_SYNC=1 timeout 150 compute-sanitizer --tool memcheck --print-limit 20 "$RUNNER" --no-bench \
        > "$OUT/memcheck.txt" 2>&1 || echo "compute-sanitizer exited with $? (refused or found errors; see above)" >> "$OUT/memcheck.txt"
    tail -n 3 "$OUT/memcheck.txt"
else
    echo "compute-sanitizer not found: memcheck skipped" >> "$OUT/run.log"
fi
exit $status
