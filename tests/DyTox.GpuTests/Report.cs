namespace DyTox.GpuTests;

/// <summary>Writes every line to the console and, with --out, to DIR/gpu-tests.txt; benchmark rows to DIR/bench.csv.</summary>
internal sealed class Report : IDisposable
{
    private readonly StreamWriter? _log;
    private readonly StreamWriter? _csv;

    public Report(string? outDir)
    {
        if (outDir is null) return;
        Directory.CreateDirectory(outDir);
        _log = new StreamWriter(Path.Combine(outDir, "gpu-tests.txt")) { AutoFlush = true };
        _csv = new StreamWriter(Path.Combine(outDir, "bench.csv")) { AutoFlush = true };
        _csv.WriteLine("name,shape,microseconds,gb_per_s,tflop_per_s");
    }

    public void Line(string text)
    {
        Console.WriteLine(text);
        _log?.WriteLine(text);
    }

    public void Bench(string name, string shape, double micros, double gbs, double tflops)
    {
        var gb = gbs > 0 ? $"{gbs,8:F0} GB/s" : "";
        var tf = tflops > 0 ? $"{tflops,7:F2} TFLOP/s" : "";
        Line($"  {name,-36} {shape,-24} {micros,10:F1} µs  {gb}{tf}");
        _csv?.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{name},{shape},{micros:F2},{(gbs > 0 ? gbs.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : "")},{(tflops > 0 ? tflops.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) : "")}"));
    }

    public void Dispose()
    {
        _log?.Dispose();
        _csv?.Dispose();
    }
}
