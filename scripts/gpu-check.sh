#!/usr/bin/env bash
# gpu-check.sh: the GPU suite on the GPU test machine (H200, CUDA 13 driver, no .NET there).
#
# Runs the self-contained, trimmed runner published beforehand on a machine with the .NET SDK:
#   dotnet publish tests/DyTox.GpuTests -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o publish/gpu
# publish/ is git-ignored, so ship it with the working tree (device tool: carry ["publish/gpu"]).
#
#   scripts/gpu-check.sh          everything: ptxas report, kernel checks, every CudaBackend op vs CpuBackend at
#                                 DyTox widths, a DyTox training step vs the CPU, the benchmark table with the two
#                                 issue bars and DyTox images/s, then compute-sanitizer memcheck of the quick checks.
#                                 Under 5 minutes on an H200 (runner ≤ 200 s, memcheck ≤ 90 s).
#   scripts/gpu-check.sh --quick  the checks at small shapes, 5-rep CIFAR-only benchmarks, no memcheck (~1 minute).
#
# Writes under $OUT (default ./out/gpu), 6 files: gpu-tests.txt (full report, last line "N passed, N failed"),
# bench.csv (every timing), bars.csv (the issue bars, PASS/FAIL with numbers), nvidia-smi.txt, run.log and,
# when compute-sanitizer is present and allowed, memcheck.txt. Prints the device/driver/NVRTC/cuBLAS lines, the bar
# verdicts and the "N passed, N failed" line; exits with the runner's status.
set -uo pipefail
cd "$(dirname "$0")/.."
quick=0
case "${1:-}" in
    --quick) quick=1 ;;
    "") ;;
    *) echo "usage: $0 [--quick]" >&2; exit 64 ;;
esac
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
    echo "mode: $([ $quick -eq 1 ] && echo quick || echo full)"
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    echo "--- runner"
} > "$OUT/run.log"

args=(--out "$OUT")
[ $quick -eq 1 ] && args+=(--quick)
timeout 200 "$RUNNER" "${args[@]}" >> "$OUT/run.log" 2>&1
status=$?
[ $status -eq 124 ] && echo "runner timed out after 200 s" | tee -a "$OUT/run.log" >> "$OUT/gpu-tests.txt"

grep -E '^(device|driver|nvrtc|cublas): ' "$OUT/gpu-tests.txt" 2>/dev/null
grep -E '^(FAIL|  FAIL|BAR )' "$OUT/gpu-tests.txt" 2>/dev/null | cut -c1-300
grep -E 'DyTox (CIFAR|ImageNet) training step|gpsa (forward\+backward \(|fwd\+bwd speed-up)|fastest fused version|mma m16n8k8|data parallelism' "$OUT/gpu-tests.txt" 2>/dev/null | cut -c1-200

# memcheck of the quick checks (no benchmarks); refused under some sandboxes, then only noted.
if [ $quick -eq 1 ]; then
    echo "quick mode: memcheck skipped" >> "$OUT/run.log"
elif command -v compute-sanitizer >/dev/null 2>&1; then
    DYTOX_CUDA_SYNC=1 timeout 90 compute-sanitizer --tool memcheck --print-limit 20 "$RUNNER" --quick --no-bench \
        > "$OUT/memcheck.txt" 2>&1 || echo "compute-sanitizer exited with $? (refused, timed out at 90 s, or found errors; see above)" >> "$OUT/memcheck.txt"
    echo "memcheck: $(tail -n 1 "$OUT/memcheck.txt")"
else
    echo "compute-sanitizer not found: memcheck skipped" >> "$OUT/run.log"
fi
# The one summary line: the runner's own count (0 passed, 1 failed when it never got that far).
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$OUT/gpu-tests.txt" 2>/dev/null | tail -n 1)
echo "${summary:-0 passed, 1 failed}"
exit $status
