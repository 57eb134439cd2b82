using DyTox.Autograd;
using DyTox.Tensor;
using DyTox.Tensor.IO;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Model.Tests.Model;

/// <summary>A committed PyTorch fixture (tests/fixtures, written by tools/make_fixtures.py) and comparisons against it.</summary>
internal sealed class Fixture
{
    private readonly SafeTensorsContent content;

    private Fixture(SafeTensorsContent content) => this.content = content;

    public static Fixture Load(string file) => new(SafeTensorsFile.Load(FindPath(file)));

    public static string FindPath(string file)
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "fixtures", file);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"tests/fixtures/{file} not found above {TestContext.CurrentContext.TestDirectory}; " +
                                        "regenerate with: /usr/bin/python3 tools/make_fixtures.py --out tests/fixtures");
    }

    public bool Contains(string name) => content.Contains(name);

    public IEnumerable<string> Names => content.Names;

    public double[] Doubles(string name) => SafeTensorConvert.ToDoubles(content[name]);

    public int[] Ints(string name) => Array.ConvertAll(SafeTensorConvert.ToInt64s(content[name]), v => checked((int)v));

    public int[] Shape(string name) => Array.ConvertAll(content[name].Shape, v => checked((int)v));

    public double Scalar(string name) => Doubles(name).Single();

    /// <summary>A new tensor holding the fixture values (converted to <paramref name="dtype"/>), in the current scope.</summary>
    public TensorT Tensor(string name, IBackend backend, DType dtype, int[]? shape = null)
    {
        var t = backend.Empty(dtype, shape ?? Shape(name));
        Init.Write(t, Doubles(name));
        return t;
    }

    /// <summary>Writes <c>prefix + name</c> into every parameter of <paramref name="module"/>; all must be present.</summary>
    public void LoadInto(Module module, string prefix = "")
    {
        foreach (var (name, p) in module.NamedParameters())
        {
            string key = prefix + name;
            Assert.That(content.Contains(key), Is.True, $"fixture has no tensor {key}");
            Assert.That(Shape(key), Is.EqualTo(p.Value.ShapeArray()), $"shape of {key}");
            Init.Write(p.Value, Doubles(key));
        }
    }

    /// <summary>max |actual − expected| / max |expected| (the error relative to the tensor's scale).</summary>
    public static double RelativeError(TensorT actual, double[] expected)
    {
        var got = ToDoubles(actual);
        Assert.That(got, Has.Length.EqualTo(expected.Length), $"element count of {actual.Describe()}");
        double diff = 0, scale = 0;
        for (int i = 0; i < got.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(got[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    public static double[] ToDoubles(TensorT t) => t.DType switch
    {
        DType.Float64 => t.ToArray<double>(),
        DType.Float32 => Array.ConvertAll(t.ToArray<float>(), f => (double)f),
        _ => throw new ArgumentException($"not a floating tensor: {t.Describe()}"),
    };

    /// <summary>Asserts the relative error and records it in the worst-case tally.</summary>
    public void AssertClose(TensorT actual, string name, double tolerance, ErrorTally? tally = null, string? label = null)
    {
        double err = RelativeError(actual, Doubles(name));
        tally?.Add(label ?? name, err);
        Assert.That(err, Is.LessThanOrEqualTo(tolerance), $"{label ?? name}: relative error {err:E3} > {tolerance:E1}");
    }

    /// <summary>Tolerance of a parity comparison for a dtype (the task's bounds).</summary>
    public static double Tolerance(DType dtype) => dtype == DType.Float64 ? 1e-9 : 1e-4;
}

/// <summary>Keeps the largest relative error per category for the test log.</summary>
internal sealed class ErrorTally
{
    private readonly Dictionary<string, (string Name, double Error)> worst = new();

    public void Add(string name, double error)
    {
        string category = name.Split('.')[0];
        if (!worst.TryGetValue(category, out var w) || error > w.Error) worst[category] = (name, error);
    }

    public void Report(string title)
    {
        TestContext.Out.WriteLine(title);
        foreach (var (category, (name, error)) in worst.OrderBy(kv => kv.Key))
            TestContext.Out.WriteLine($"  {category,-12} max relative error {error:E3} ({name})");
    }
}
