#!/usr/bin/python3
"""Writes src/Tensor/Cpu/VectorGeluTables.cs: the coefficients VectorGelu evaluates.

Φ(x) for t = |x| is written Q(t)·[x < 0] + (1 − Q(t))·[x ≥ 0] with Q(t) = ½erfc(t/√2) = exp(−t²/2)·K(t),
K(t) = ½·erfcx(t/√2) (a scaled Mills ratio: smooth, 0.5 at t = 0, ≈ 1/(t√(2π)) for large t). K is fitted:
  * t in [0, 8): 16 intervals of width ½, a degree-8 polynomial in d = t − (centre of the interval) each;
  * t in [8, 37): K(t) = g(u)/t with u = 64/t², g a degree-6 polynomial in u.
Weighted least squares (relative error) on Chebyshev nodes, reference values from mpmath at 40 digits.
The float-lane forward (VectorGeluFloat) uses its own K table: t in [0, 8) in 32 intervals of width ¼, a degree-5
polynomial in d = t − centre each, the constant term split into float hi + lo (K is then a float-float with
relative error ≈ 1e-8), the other coefficients rounded to float; plus 2^(−j/16) as float hi + lo and ln2/16 split
with a 13-bit high part.
The script prints the worst relative error of each fit on a dense check grid (≈ 7e-12, 1.2e-12 and 2e-9; float32
needs ≈ 1e-8, the derivative's zero crossing ≈ 3e-10). Run: /usr/bin/python3 tools/fit_gelu_tables.py
"""
import math
import os
import mpmath as mp
import numpy as np

mp.mp.dps = 40
# The C# side unrolls these degrees by hand (VectorGelu.IntervalK/TailK, VectorGeluFloat.MillsK/DerivativeN):
# change them together.
INTERVALS, WIDTH, DEGREE = 16, 0.5, 8
TAIL_START, TAIL_END, TAIL_DEGREE = 8.0, 37.0, 6


def k_exact(t):
    t = mp.mpf(t)
    return mp.erfc(t / mp.sqrt(2)) * mp.exp(t * t / 2) / 2


def weighted_fit(nodes, values, degree):
    v = np.vander(np.array(nodes), degree + 1, increasing=True)
    w = 1 / np.array(values)
    coef, *_ = np.linalg.lstsq(v * w[:, None], np.array(values) * w, rcond=None)
    return coef


def chebyshev_nodes(lo, hi, m=80):
    return [(lo + hi) / 2 + (hi - lo) / 2 * float(mp.cos(mp.pi * (k + 0.5) / m)) for k in range(m)]


interval_coef, worst = [], 0.0
for j in range(INTERVALS):
    lo, centre = j * WIDTH, j * WIDTH + WIDTH / 2
    ts = chebyshev_nodes(lo, lo + WIDTH)
    coef = weighted_fit([t - centre for t in ts], [float(k_exact(t)) for t in ts], DEGREE)
    interval_coef.append(coef)
    for t in np.linspace(lo, lo + WIDTH, 300):
        worst = max(worst, abs(float(np.polyval(coef[::-1], t - centre) / k_exact(t)) - 1))
print(f"intervals: worst relative error {worst:.3e}")

u_lo = (TAIL_START / TAIL_END) ** 2
us = chebyshev_nodes(u_lo, 1.0)
g = lambda u: TAIL_START / mp.sqrt(u) * k_exact(TAIL_START / mp.sqrt(mp.mpf(u)))
tail_coef = weighted_fit(us, [float(g(u)) for u in us], TAIL_DEGREE)
tail_worst = max(abs(float(np.polyval(tail_coef[::-1], u) / g(u)) - 1) for u in np.linspace(u_lo, 1, 600))
print(f"tail: worst relative error {tail_worst:.3e}")

exp_table = [float(mp.power(2, -mp.mpf(j) / 16)) for j in range(16)]

# Float lanes (forward): 32 intervals of width 1/4, degree 5, constant term as float hi + lo.
F_INTERVALS, F_WIDTH, F_DEGREE = 32, 0.25, 5
f32 = lambda v: float(np.float32(v))
float_rows, f_worst = [[] for _ in range(F_DEGREE + 2)], 0.0
for j in range(F_INTERVALS):
    lo, centre = j * F_WIDTH, j * F_WIDTH + F_WIDTH / 2
    ts = chebyshev_nodes(lo, lo + F_WIDTH, 40)
    coef = weighted_fit([t - centre for t in ts], [float(k_exact(t)) for t in ts], F_DEGREE)
    c0_hi = f32(coef[0])
    float_rows[0].append(c0_hi)
    float_rows[1].append(f32(float(mp.mpf(coef[0]) - mp.mpf(c0_hi))))
    for i in range(1, F_DEGREE + 1):
        float_rows[i + 1].append(f32(coef[i]))
    for t in np.linspace(lo, lo + F_WIDTH, 100):
        d = t - centre
        value = mp.mpf(float_rows[0][j]) + mp.mpf(float_rows[1][j]) + sum(mp.mpf(float_rows[i + 1][j]) * mp.mpf(d) ** i for i in range(1, F_DEGREE + 1))
        f_worst = max(f_worst, abs(float(value / k_exact(t)) - 1))
print(f"float intervals (coefficients as stored): worst relative error {f_worst:.3e}")
ln2_16 = mp.log(2) / 16
mantissa, exponent = math.frexp(float(ln2_16))
ln2_16_hi = math.ldexp(math.floor(mantissa * 2**13) / 2**13, exponent)
ln2_16_lo = f32(float(ln2_16 - mp.mpf(ln2_16_hi)))
exp_hi = [f32(float(mp.power(2, -mp.mpf(j) / 16))) for j in range(16)]
exp_lo = [f32(float(mp.power(2, -mp.mpf(j) / 16) - mp.mpf(exp_hi[j]))) for j in range(16)]
rf = lambda v: repr(f32(v)) + "f"

# Float lanes (derivative): N(t) = K(t) − t/√(2π), so GELU'(x) = E·N for x < 0 and 1 − E·N for x ≥ 0. N crosses 0 at
# t = r ≈ 0.7518 (GELU'(−r) = 0), so the two intervals around it, [½, ¾) and [¾, 1), are expanded about r's float
# (d = t − r exact there): N = c0 + d·(c1 + d·(c2 + … + d·c5)) has relative error ≈ 1e-8 even next to the root.
# Rows of 32: centre, c0 hi, c0 lo, c1 hi, c1 lo, c2 … c5. G(d) = (N − c0)/d is fitted with weights |d/N|.
N_DEGREE = 5
inv_sqrt_2pi = 1 / mp.sqrt(2 * mp.pi)
n_exact = lambda t: k_exact(t) - inv_sqrt_2pi * mp.mpf(t)
root = mp.findroot(n_exact, 0.75)
root_f = f32(float(root))
n_rows, n_worst = [[] for _ in range(N_DEGREE + 4)], 0.0
for j in range(F_INTERVALS):
    lo = j * F_WIDTH
    centre = root_f if j in (2, 3) else lo + F_WIDTH / 2
    c0 = n_exact(centre)
    c0_hi = f32(float(c0))
    c0_lo = f32(float(c0 - mp.mpf(c0_hi)))
    c0_stored = mp.mpf(c0_hi) + mp.mpf(c0_lo)
    ts = chebyshev_nodes(lo, lo + F_WIDTH, 40)
    ds = [t - centre for t in ts]
    gs = [float((n_exact(t) - c0_stored) / (mp.mpf(t) - mp.mpf(centre))) for t in ts]
    weights = np.array([abs(float((mp.mpf(t) - mp.mpf(centre)) / n_exact(t))) for t in ts])
    v = np.vander(np.array(ds), N_DEGREE, increasing=True)
    g_coef, *_ = np.linalg.lstsq(v * weights[:, None], np.array(gs) * weights, rcond=None)
    c1_hi = f32(g_coef[0])
    row = [centre, c0_hi, c0_lo, c1_hi, f32(float(mp.mpf(g_coef[0]) - mp.mpf(c1_hi)))] + [f32(c) for c in g_coef[1:]]
    for i, value in enumerate(row):
        n_rows[i].append(value)
    for t in np.linspace(lo, lo + F_WIDTH, 100):
        d = mp.mpf(t) - mp.mpf(centre)
        g = mp.mpf(row[3]) + mp.mpf(row[4]) + sum(mp.mpf(row[4 + i]) * d ** i for i in range(1, N_DEGREE))
        value = c0_stored + d * g
        n_worst = max(n_worst, abs(float(value / n_exact(t)) - 1))
print(f"float derivative intervals (as stored): root {float(root):.9f}, worst relative error {n_worst:.3e}")

r = lambda v: repr(float(v))
lines = [
    "// <auto-generated> by tools/fit_gelu_tables.py; edit the script, not this file. </auto-generated>",
    "namespace DyTox.Tensor.Cpu;",
    "",
    "/// <summary>Coefficients for <see cref=\"VectorGelu\"/>; how they were fitted is in tools/fit_gelu_tables.py.</summary>",
    "internal static class VectorGeluTables",
    "{",
    f"    public const int Degree = {DEGREE};",
    f"    public const int TailDegree = {TAIL_DEGREE};",
    "",
    "    /// <summary>K(t) = ½erfcx(t/√2) on [j/2, j/2 + ½): coefficient k of interval j at [k·16 + j], in powers of t − j/2 − ¼.</summary>",
    "    public static ReadOnlySpan<double> Interval =>",
    "    [",
]
for k in range(DEGREE + 1):
    lines.append("        " + ", ".join(r(interval_coef[j][k]) for j in range(INTERVALS)) + ",")
lines += [
    "    ];",
    "",
    "    /// <summary>t·K(t) on [8, 37) as a polynomial in u = 64/t², lowest power first.</summary>",
    "    public static ReadOnlySpan<double> Tail => [" + ", ".join(r(c) for c in tail_coef) + "];",
    "",
    "    /// <summary>2^(−j/16), j = 0..15.</summary>",
    "    public static ReadOnlySpan<double> ExpTable => [" + ", ".join(r(v) for v in exp_table) + "];",
    "",
    f"    public const int FloatDegree = {F_DEGREE};",
    "",
    "    /// <summary>Float lanes: K(t) on [j/4, j/4 + ¼), j = 0..31, in powers of t − j/4 − ⅛: rows of 32 are c0 hi, c0 lo, c1 … c5.</summary>",
    "    public static ReadOnlySpan<float> FloatInterval =>",
    "    [",
]
for row in float_rows:
    lines.append("        " + ", ".join(rf(v) for v in row) + ",")
lines += [
    "    ];",
    "",
    "    /// <summary>Float lanes, derivative: N(t) = K(t) − t/√(2π) on [j/4, j/4 + ¼), j = 0..31 (intervals 2 and 3 about the",
    "    /// root of N); rows of 32: centre, c0 hi, c0 lo, c1 hi, c1 lo, c2 … c5 in powers of d = t − centre.</summary>",
    "    public static ReadOnlySpan<float> FloatDerivativeInterval =>",
    "    [",
]
for row in n_rows:
    lines.append("        " + ", ".join(rf(v) for v in row) + ",")
lines += [
    "    ];",
    "",
    "    /// <summary>Float lanes: 2^(−j/16) = FloatExpHi[j] + FloatExpLo[j].</summary>",
    "    public static ReadOnlySpan<float> FloatExpHi => [" + ", ".join(rf(v) for v in exp_hi) + "];",
    "",
    "    public static ReadOnlySpan<float> FloatExpLo => [" + ", ".join(rf(v) for v in exp_lo) + "];",
    "",
    "    /// <summary>ln2/16 = FloatLn2Over16Hi + FloatLn2Over16Lo; the high part has 13 significant bits, so k·hi is exact for k &lt; 2^11.</summary>",
    f"    public const float FloatLn2Over16Hi = {rf(ln2_16_hi)};",
    f"    public const float FloatLn2Over16Lo = {rf(ln2_16_lo)};",
    "}",
]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "Tensor", "Cpu", "VectorGeluTables.cs")
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
print("wrote", os.path.normpath(out))
