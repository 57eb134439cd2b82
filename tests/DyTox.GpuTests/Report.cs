namespace DyTox.GpuTests;

/// <summary>Writes every line to the console and, with --out, to DIR/gpu-tests.txt; benchmark rows to DIR/bench.csv, bar verdicts to DIR/bars.csv.</summary>
internal sealed class Report : IDisposable
{
    private readonly StreamWriter? _log;
    private readonly StreamWriter? _csv;
    private readonly StreamWriter? _bars;

    public Report(string? outDir)
    {
        if (outDir is null) return;
        Directory.CreateDirectory(outDir);
        _log = new StreamWriter(Path.Combine(outDir, "gpu-tests.txt")) { AutoFlush = true };
        _csv = new StreamWriter(Path.Combine(outDir, "bench.csv")) { AutoFlush = true };
        _csv.WriteLine("name,shape,microseconds,gb_per_s,tflop_per_s,note");
        _bars = new StreamWriter(Path.Combine(outDir, "bars.csv")) { AutoFlush = true };
        _bars.WriteLine("bar,verdict,numbers");
    }

    /// <summary>Failures reported with <see cref="Fail"/> (benchmarks that could not run); the summary line counts them.</summary>
    public int Failures { get; private set; }

    /// <summary>A FAIL line that the final "N passed, N failed" counts.</summary>
    public void Fail(string text)
    {
        Failures++;
        Line("FAIL " + text);
    }

    public void Line(string text)
    {
        Console.WriteLine(text);
        _log?.WriteLine(text);
    }

    /// <summary>One timing row (µs, and GB/s or TFLOP/s when given; <paramref name="note"/> e.g. a roofline fraction).</summary>
    public void Bench(string name, string shape, double micros, double gbs, double tflops, string note = "")
    {
        var us = micros > 0 ? $"{micros,10:F1} µs" : new string(' ', 13);
        var gb = gbs > 0 ? $"{gbs,8:F0} GB/s" : "";
        var tf = tflops > 0 ? $"{tflops,7:F2} TFLOP/s" : "";
        Line($"  {name,-44} {shape,-26} {us}  {gb}{tf}{(note.Length > 0 ? "  " + note : "")}");
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        _csv?.WriteLine(string.Create(inv,
            $"{Csv(name)},{Csv(shape)},{(micros > 0 ? micros.ToString("F2", inv) : "")},{(gbs > 0 ? gbs.ToString("F1", inv) : "")},{(tflops > 0 ? tflops.ToString("F3", inv) : "")},{Csv(note)}"));
    }

    /// <summary>A performance bar of the CUDA issues: printed as "BAR PASS|FAIL" with its numbers and kept in bars.csv.</summary>
    public void Bar(string bar, bool met, string numbers)
    {
        Line($"BAR {(met ? "PASS" : "FAIL")} {bar}: {numbers}");
        _bars?.WriteLine($"{Csv(bar)},{(met ? "PASS" : "FAIL")},{Csv(numbers)}");
    }

    private static string Csv(string field) =>
        field.Contains(',') || field.Contains('"') ? $"\"{field.Replace("\"", "\"\"")}\"" : field;

    public void Dispose()
    {
        _log?.Dispose();
        _csv?.Dispose();
        _bars?.Dispose();
    }
}
