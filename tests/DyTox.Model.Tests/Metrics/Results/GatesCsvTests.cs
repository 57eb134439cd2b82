using DyTox.Metrics.Results;

namespace DyTox.Model.Tests.Metrics.Results;

public class GatesCsvTests
{
    [Test]
    public void OneBlockPerStepAndAResumedStepReplacesItsRows()
    {
        string dir = Path.Combine(Path.GetTempPath(), "dytox-gates-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, GatesCsv.FileName);
            GatesCsv.Update(path, 0, [[0.5, 0.25], [0.75, 1.0]]);
            GatesCsv.Update(path, 1, [[0.4, 0.3], [0.7, 0.9]]);
            GatesCsv.Update(path, 2, [[0.1, 0.1], [0.1, 0.1]]);
            GatesCsv.Update(path, 1, [[0.45, 0.35], [0.65, 0.95]]); // step 1 again (resumed): drops steps ≥ 1
            Assert.That(File.ReadAllText(path), Is.EqualTo(
                "step,sab,head,gate\n0,0,0,0.5\n0,0,1,0.25\n0,1,0,0.75\n0,1,1,1\n1,0,0,0.45\n1,0,1,0.35\n1,1,0,0.65\n1,1,1,0.95\n"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
