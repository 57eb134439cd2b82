using DyTox.Data;
using DyTox.Data.Augmentation;

namespace DyTox.Model.Tests.Data;

public class BicubicResamplerTests
{
    // PIL 9.4 Image.resize(BICUBIC) of Source(23, 17) (generated once with Debian's python3-pil):
    // im.resize((9, 7)), im.resize((11, 13)), im.crop((3, 2, 18, 14)).resize((10, 20)); RGB bytes, base64.
    private const string PilDown9x7 = "Z4OOcYGVdoV4dodrcIV0d3BwgYFyl4hxdYSUgX55fnqSk4V/gHiCg4GSlnF8ho6LdX2CdYt6jIp8i2V9dnaAaXJzemmFiIOAg4V6gJJtcH6GdXeMhXeDc41oc358fHp8hI5mc4V0i3WBiHqNhIiPc4SJfnl8h4iLgneTkoJ9go9qg3ttbY5/lJlvhoR3fXiIiI6Ognl/g4RsjXx5gI9qfn93jYaBgmR6e3+VgYVaXHh+f5V7hnqGiIaCiZNh";
    private const string PilMixed11x13 = "KWeXeZSwkZt8U0tzYY+Ri6hJfVxmRISLoJ9xpoRJPFujoqCFd2FnPnemncFtk3k8RV6hdI6Ip38/jlJ6cZ6fr66SXGp/Z56+w4RnjmxlX4TDpayJt0taY2iqfbKqgmxgY3t8maForD5nU3ukhJ+eqFJPYV+QeJOzrbpTiGR1UX+Tfp99jn54Y4iUoXyJbFViO3qdmn6QmXtthVSYfLaHqJ09Xk15e6OTvVhSa0iCZ6Rqk3pbX0dtY4qPlJtZYW9aZXWsfr2pb0tzZ4Guibtun3lPQ2WXeJ2SrZ47YGB6b5qysHVYikh7dKSxmIxsSEV6UJiPnamQolNiYnqclLhmnHNChlmZebmTmHV3WW6mgaSWwnZTa2uDX6S4wYBli3dtVIOFlppnY4BVcJOdrb5Vcl13Y3ujkIu9pUZ0W2+OhKGRrZs+V1twaI6/tKk9b2uHeYChm7RxknV6ZJSToLJCokZbXn6blbdjnndGeICwoIx0nz9MUWCHgJ5oc35RaWWOX6GzvoJhinduUX2GqY1gXVN1ZIrMprmBeF1TQ2qwhb5fpHxsYl2Yc6qPwqRA";
    private const string PilCrop15x12To10x20 = "PHCub7LhtP8i6HBII0B/SoLNhNmp00sZqhxcGFqPX6GvpJGYs6Y5m25yP3Kyd62pupF+qUU9g0aNQIS9l9mp3181qyppM3Spdazrs9xx9itJaUh/UpHGh7zxq3B6bFtqfGzEdLV+y094hHhpfUyEZYzFiN5h0pGHmjd1KXmwd6nMmbJXzBk6V0GGO4+3jKfBttUkzGpQXXu/ab3evp9EWzZYPVCHUYPLity54XBLs0VZSGyccZSDrHykiXY/QDWNOJSijnyPq5uQnlhUjkmkUJ6SrYgV0wpII0yBSYC/f8CV0E4jpSRjIWKXZpvZmc5bs005ajmHRICOlMZMk1xgWUdVbFKrWa5vp6RdblxSnECEOImoibB4sMANfiJUEl+bWZ6yo8VFso0eSCNya4zajNZn2rc3aEJWN1mVVZrMluMvznI5R1d8UHbBkaeehZhSk4pKTUKiUaW0qY+Tr54kj1hsQHCfgsSGyponTSNhFFSJWo/PnNyx4mA1qihoLm6ue7CQt+wUVmBMPUqeSpygpdZcqHF1ZVJifGnDZcF/xblLgG87F1SYU46xoq2Qv9IdkDZmHW2mdqnNr8JRx6M6UCqAY6Ltmcxx8j1PdllkUnuyZ7zdwatQ4i9OU22LUHbDsb2xjZFbqzJhWlqvaJPLtIOnj4NLqy6ISYqof8GD3a47VyxrLGugZ6bbqIe84BVKK1SJT4bFhruatusUa3hqWWmwb7WzrdxqrVeFcUaFV4yQisNWxlZhiYNQGFWWYZ3dquC52/gZqThhIXS3f7ePvOQE6g48ZDiE";

    /// <summary>A non-smooth test pattern: (37x + 91y + 53c + (7xy mod 29)) mod 256.</summary>
    private static ByteImage Source(int width, int height)
    {
        var image = new ByteImage(height, width, 3);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    image[y, x, c] = (byte)((x * 37 + y * 91 + c * 53 + x * y * 7 % 29) % 256);
                }
            }
        }
        return image;
    }

    private static void AssertWithinOneOfPil(ByteImage actual, string pilBase64)
    {
        byte[] expected = Convert.FromBase64String(pilBase64);
        Assert.That(actual.Data, Has.Length.EqualTo(expected.Length));
        int worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual.Data[i] - expected[i]));
        }
        // PIL rounds the row pass to uint8 and uses fixed-point weights; we keep floats.
        Assert.That(worst, Is.LessThanOrEqualTo(1), "largest difference to PIL");
    }

    /// <summary>The RGB row pass on vector lanes gives the plain loop's floats, hence the same bytes: random images, crops
    /// that shrink and that enlarge, 3- and 4-byte pixels (ResizeWindow), and taps at the very end of the source.</summary>
    [Test]
    public void ChannelLanesGiveThePlainLoopsBytes()
    {
        var rng = new Random(17);
        bool saved = BicubicResampler.ChannelLanes;
        try
        {
            for (int trial = 0; trial < 12; trial++)
            {
                int h = rng.Next(5, 60), w = rng.Next(5, 60);
                var data = new byte[h * w * 3];
                rng.NextBytes(data);
                var image = new ByteImage(data, h, w, 3);
                int top = rng.Next(0, h / 2), left = rng.Next(0, w / 2);
                int ch = rng.Next(1, h - top + 1), cw = rng.Next(1, w - left + 1);
                int oh = rng.Next(1, 80), ow = rng.Next(1, 80);
                var rgba = new byte[h * w * 4];
                rng.NextBytes(rgba);
                var outputs = new byte[2][][];
                foreach (bool lanes in new[] { true, false })
                {
                    BicubicResampler.ChannelLanes = lanes;
                    var window = new byte[oh * ow * 3];
                    BicubicResampler.ResizeWindow(rgba, h, w, 4, 3, oh + 5, ow + 3, 5, 3, oh, ow, window);
                    var full = BicubicResampler.ResizedCrop(image, 0, 0, h, w, oh, ow); // the last pixel's taps
                    outputs[lanes ? 0 : 1] = [BicubicResampler.ResizedCrop(image, top, left, ch, cw, oh, ow).Data, window, full.Data];
                }
                for (int k = 0; k < 3; k++)
                    Assert.That(outputs[0][k], Is.EqualTo(outputs[1][k]), $"trial {trial}, output {k}: {h}x{w} crop ({top}, {left}, {ch}, {cw}) → {oh}x{ow}");
            }
        }
        finally { BicubicResampler.ChannelLanes = saved; }
    }

    [Test]
    public void MatchesPilResizeWhenShrinking()
    {
        var src = Source(23, 17);
        AssertWithinOneOfPil(BicubicResampler.ResizedCrop(src, 0, 0, 17, 23, 7, 9), PilDown9x7);
        AssertWithinOneOfPil(BicubicResampler.ResizedCrop(src, 0, 0, 17, 23, 13, 11), PilMixed11x13);
    }

    [Test]
    public void MatchesPilCropThenResize()
    {
        // PIL crop box (left 3, upper 2, right 18, lower 14) = top 2, left 3, 12 high, 15 wide.
        AssertWithinOneOfPil(BicubicResampler.ResizedCrop(Source(23, 17), 2, 3, 12, 15, 20, 10), PilCrop15x12To10x20);
    }

    [Test]
    public void ResizeWindowEqualsResizeThenCrop()
    {
        var src = Source(23, 17);
        var full = BicubicResampler.ResizedCrop(src, 0, 0, 17, 23, 13, 11);
        var rgba = new byte[23 * 17 * 4];
        for (int p = 0; p < 23 * 17; p++)
        {
            src.Data.AsSpan(p * 3, 3).CopyTo(rgba.AsSpan(p * 4));
            rgba[p * 4 + 3] = 77; // alpha is ignored
        }
        var window = new byte[5 * 4 * 3];
        BicubicResampler.ResizeWindow(rgba, 17, 23, 4, 3, 13, 11, 6, 2, 5, 4, window);
        for (int y = 0; y < 5; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    Assert.That(window[(y * 4 + x) * 3 + c], Is.EqualTo(full[6 + y, 2 + x, c]), $"({y}, {x}, {c})");
                }
            }
        }
    }

    [Test]
    public void ShrinkingAveragesAFineCheckerboardToGrey()
    {
        // Antialiasing: a 1-pixel checkerboard shrunk 5× is flat grey (a 4-tap cubic without it gives 0 and 255).
        var board = new ByteImage(50, 50, 1);
        for (int y = 0; y < 50; y++)
        {
            for (int x = 0; x < 50; x++)
            {
                board[y, x, 0] = (byte)((x + y) % 2 == 0 ? 255 : 0);
            }
        }
        var small = BicubicResampler.ResizedCrop(board, 0, 0, 50, 50, 10, 10);
        for (int y = 2; y < 8; y++)
        {
            for (int x = 2; x < 8; x++)
            {
                Assert.That(small[y, x, 0], Is.EqualTo(127.5).Within(4), $"({y}, {x})");
            }
        }
    }

    [Test]
    public void SolidColourStaysExactAndBadBoxesAreRejected()
    {
        var solid = new ByteImage(9, 13, 3);
        for (int p = 0; p < 9 * 13; p++)
        {
            solid.Data[p * 3] = 200;
            solid.Data[p * 3 + 1] = 7;
            solid.Data[p * 3 + 2] = 99;
        }
        var up = BicubicResampler.ResizedCrop(solid, 1, 2, 7, 10, 31, 17);
        Assert.That(up.Data.Where((_, i) => i % 3 == 0), Is.All.EqualTo((byte)200));
        Assert.That(up.Data.Where((_, i) => i % 3 == 1), Is.All.EqualTo((byte)7));
        Assert.That(up.Data.Where((_, i) => i % 3 == 2), Is.All.EqualTo((byte)99));
        Assert.That(() => BicubicResampler.ResizedCrop(solid, 3, 0, 7, 13, 4, 4),
            Throws.ArgumentException.With.Message.Contains("not inside [0, 9)"));
    }
}
