using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DyTox.Data.Augmentation;

/// <summary>
/// The colour operations of RandAugment, following PIL's ImageOps / ImageEnhance on uint8 images
/// (lookup tables per channel; enhance ops blend with a "degenerate" image and truncate like PIL's blend).
/// For one-channel images, Color is the identity (the grey version of a grey image is itself).
/// </summary>
public static class PixelOps
{
    public static ByteImage Invert(ByteImage image) => ApplyLut(image, i => 255 - i);

    /// <summary>Keeps the top <paramref name="bits"/> bits (8 or more: unchanged; 0: black).</summary>
    public static ByteImage Posterize(ByteImage image, int bits)
    {
        if (bits >= 8)
        {
            return image.Clone();
        }
        int mask = ~((1 << (8 - Math.Max(bits, 0))) - 1) & 0xFF;
        return ApplyLut(image, i => i & mask);
    }

    /// <summary>Inverts every value ≥ <paramref name="threshold"/>.</summary>
    public static ByteImage Solarize(ByteImage image, int threshold) =>
        ApplyLut(image, i => i < threshold ? i : 255 - i);

    /// <summary>Adds <paramref name="add"/> (saturating) to every value below <paramref name="threshold"/>.</summary>
    public static ByteImage SolarizeAdd(ByteImage image, int add, int threshold = 128) =>
        ApplyLut(image, i => i < threshold ? Math.Min(255, i + add) : i);

    /// <summary>PIL autocontrast (no cutoff): per channel, stretch [min, max] to [0, 255].</summary>
    public static ByteImage AutoContrast(ByteImage image)
    {
        var luts = new int[image.Channels][];
        for (int c = 0; c < image.Channels; c++)
        {
            var h = Histogram(image, c);
            int lo = 0;
            while (lo < 256 && h[lo] == 0)
            {
                lo++;
            }
            int hi = 255;
            while (hi >= 0 && h[hi] == 0)
            {
                hi--;
            }
            var lut = new int[256];
            if (hi <= lo)
            {
                for (int i = 0; i < 256; i++)
                {
                    lut[i] = i;
                }
            }
            else
            {
                double scale = 255.0 / (hi - lo);
                double offset = -lo * scale;
                for (int i = 0; i < 256; i++)
                {
                    lut[i] = Math.Clamp((int)(i * scale + offset), 0, 255);
                }
            }
            luts[c] = lut;
        }
        return ApplyLuts(image, luts);
    }

    /// <summary>PIL equalize: per channel histogram equalisation with PIL's step rule.</summary>
    public static ByteImage Equalize(ByteImage image)
    {
        var luts = new int[image.Channels][];
        for (int c = 0; c < image.Channels; c++)
        {
            var h = Histogram(image, c);
            var nonZero = h.Where(v => v != 0).ToArray();
            var lut = new int[256];
            int step = nonZero.Length <= 1 ? 0 : (nonZero.Sum() - nonZero[^1]) / 255;
            if (step == 0)
            {
                for (int i = 0; i < 256; i++)
                {
                    lut[i] = i;
                }
            }
            else
            {
                int n = step / 2;
                for (int i = 0; i < 256; i++)
                {
                    lut[i] = Math.Min(255, n / step);
                    n += h[i];
                }
            }
            luts[c] = lut;
        }
        return ApplyLuts(image, luts);
    }

    /// <summary>ImageEnhance.Brightness: blend with black.</summary>
    public static ByteImage Brightness(ByteImage image, double factor) =>
        Blend(new ByteImage(image.Height, image.Width, image.Channels), image, factor);

    /// <summary>ImageEnhance.Color: blend with the ITU-R 601 grey version.</summary>
    public static ByteImage Color(ByteImage image, double factor)
    {
        if (image.Channels == 1)
        {
            return image.Clone();
        }
        var grey = new ByteImage(image.Height, image.Width, 3);
        int pixels = image.Height * image.Width;
        for (int p = 0; p < pixels; p++)
        {
            byte l = Luma(image.Data[3 * p], image.Data[3 * p + 1], image.Data[3 * p + 2]);
            grey.Data[3 * p] = grey.Data[3 * p + 1] = grey.Data[3 * p + 2] = l;
        }
        return Blend(grey, image, factor);
    }

    /// <summary>ImageEnhance.Contrast: blend with a flat image of the rounded mean grey level.</summary>
    public static ByteImage Contrast(ByteImage image, double factor)
    {
        int pixels = image.Height * image.Width;
        long sum = 0;
        for (int p = 0; p < pixels; p++)
        {
            sum += image.Channels == 1
                ? image.Data[p]
                : Luma(image.Data[3 * p], image.Data[3 * p + 1], image.Data[3 * p + 2]);
        }
        byte mean = (byte)(int)((double)sum / pixels + 0.5);
        var flat = new ByteImage(image.Height, image.Width, image.Channels);
        Array.Fill(flat.Data, mean);
        return Blend(flat, image, factor);
    }

    /// <summary>ImageEnhance.Sharpness: blend with PIL's SMOOTH-filtered image (3×3 [1 1 1; 1 5 1; 1 1 1]/13, border kept).</summary>
    public static ByteImage Sharpness(ByteImage image, double factor)
    {
        var smooth = image.Clone();
        int h = image.Height, w = image.Width, ch = image.Channels, stride = w * ch;
        byte[] src = image.Data, dst = smooth.Data;
        for (int y = 1; y < h - 1; y++)
        {
            int up = (y - 1) * stride, mid = y * stride, down = (y + 1) * stride;
            int i = ch; // x from 1 to w − 2, every channel
            if (Avx2.IsSupported && BlendLanes)
            {
                ref byte s0 = ref MemoryMarshal.GetArrayDataReference(src);
                ref byte d0 = ref MemoryMarshal.GetArrayDataReference(dst);
                for (; i + 8 <= stride - ch; i += 8)
                {
                    var sum = Widen(ref s0, up + i - ch) + Widen(ref s0, up + i) + Widen(ref s0, up + i + ch)
                            + Widen(ref s0, mid + i - ch) + Vector256.Create(5) * Widen(ref s0, mid + i) + Widen(ref s0, mid + i + ch)
                            + Widen(ref s0, down + i - ch) + Widen(ref s0, down + i) + Widen(ref s0, down + i + ch);
                    var rounded = SmoothRound(sum);
                    var shorts = Vector128.Narrow(rounded.GetLower(), rounded.GetUpper());
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref d0, mid + i), Vector128.Narrow(shorts, shorts).AsUInt64().ToScalar());
                }
            }
            for (; i < stride - ch; i++)
            {
                int sum = src[up + i - ch] + src[up + i] + src[up + i + ch]
                        + src[mid + i - ch] + 5 * src[mid + i] + src[mid + i + ch]
                        + src[down + i - ch] + src[down + i] + src[down + i + ch];
                dst[mid + i] = (byte)Math.Clamp((int)(sum / 13.0 + 0.5), 0, 255);
            }
        }
        return Blend(smooth, image, factor);
    }

    // Eight bytes from `at` as ints.
    private static Vector256<int> Widen(ref byte data, int at) =>
        Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref data, at))).AsByte());

    /// <summary>
    /// (int)(sum / 13.0 + 0.5) for the smooth's sums 0 ≤ sum ≤ 13·255 in integer lanes: sum/13 is never within 1/26 of a
    /// half (13 is odd), so the double expression is exactly ⌊(2·sum + 13)/26⌋, and for 2·sum + 13 ≤ 6643 division by 26 is
    /// exactly (x·40330) >> 20 (40330 = ⌈2²⁰/26⌉; its error stays below 1/26). Checked for every possible sum in the tests.
    /// </summary>
    internal static Vector256<int> SmoothRound(Vector256<int> sum) =>
        Vector256.ShiftRightLogical((sum * Vector256.Create(2) + Vector256.Create(13)) * Vector256.Create(40330), 20);

    /// <summary>PIL <c>Image.blend(degenerate, image, factor)</c>: d + f·(i − d), clamped and truncated. Eight values at a
    /// time on vector lanes where the hardware has them: the same int difference, float product and float sum per lane, so
    /// the bytes are the scalar loop's (PixelOpsTests).</summary>
    public static ByteImage Blend(ByteImage degenerate, ByteImage image, double factor)
    {
        var result = new ByteImage(image.Height, image.Width, image.Channels);
        float alpha = (float)factor;
        byte[] d = degenerate.Data, x = image.Data, r = result.Data;
        int i = 0;
        if (Avx2.IsSupported && BlendLanes)
        {
            ref byte dr = ref MemoryMarshal.GetArrayDataReference(d), xr = ref MemoryMarshal.GetArrayDataReference(x);
            ref byte rr = ref MemoryMarshal.GetArrayDataReference(r);
            var a = Vector256.Create(alpha);
            for (; i + 8 <= r.Length; i += 8)
            {
                var dv = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref dr, i))).AsByte());
                var xv = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref xr, i))).AsByte());
                var v = Avx.ConvertToVector256Single(dv) + a * Avx.ConvertToVector256Single(xv - dv);
                var clamped = Avx.ConvertToVector256Int32WithTruncation(Vector256.Min(Vector256.Max(v, Vector256<float>.Zero), Vector256.Create(255f)));
                var shorts = Vector128.Narrow(clamped.GetLower(), clamped.GetUpper());
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref rr, i), Vector128.Narrow(shorts, shorts).AsUInt64().ToScalar());
            }
        }
        for (; i < r.Length; i++)
        {
            float v = d[i] + alpha * (x[i] - d[i]);
            r[i] = v <= 0f ? (byte)0 : v >= 255f ? (byte)255 : (byte)v;
        }
        return result;
    }

    /// <summary>Whether <see cref="Blend"/> uses vector lanes (tests turn it off to compare both paths).</summary>
    internal static bool BlendLanes { get; set; } = true;

    /// <summary>PIL's RGB→L conversion (fixed-point ITU-R 601-2 luma, rounded).</summary>
    public static byte Luma(byte r, byte g, byte b) => (byte)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);

    private static int[] Histogram(ByteImage image, int channel)
    {
        var h = new int[256];
        for (int i = channel; i < image.Data.Length; i += image.Channels)
        {
            h[image.Data[i]]++;
        }
        return h;
    }

    private static ByteImage ApplyLut(ByteImage image, Func<int, int> f)
    {
        var lut = new int[256];
        for (int i = 0; i < 256; i++)
        {
            lut[i] = f(i);
        }
        return ApplyLuts(image, Enumerable.Repeat(lut, image.Channels).ToArray());
    }

    private static ByteImage ApplyLuts(ByteImage image, int[][] luts)
    {
        var result = new ByteImage(image.Height, image.Width, image.Channels);
        int ch = image.Channels;
        byte[] src = image.Data, dst = result.Data;
        // Byte tables, and a pixel-major loop without a modulo per value.
        Span<byte> tables = stackalloc byte[256 * ch];
        for (int c = 0; c < ch; c++)
            for (int v = 0; v < 256; v++) tables[c * 256 + v] = (byte)luts[c][v];
        if (ch == 1)
        {
            for (int i = 0; i < src.Length; i++) dst[i] = tables[src[i]];
            return result;
        }
        ReadOnlySpan<byte> t0 = tables[..256], t1 = tables.Slice(256, 256), t2 = tables.Slice(512, 256);
        for (int i = 0; i + 2 < src.Length; i += 3)
        {
            dst[i] = t0[src[i]];
            dst[i + 1] = t1[src[i + 1]];
            dst[i + 2] = t2[src[i + 2]];
        }
        return result;
    }
}
