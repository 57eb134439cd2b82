using DyTox.Metrics.Results;

namespace DyTox.Model.Tests.Metrics.Results;

public class EpochsCsvTests
{
    [Test]
    public void RowsStayInRunOrderAndAResumedEpochReplacesWhatFollowedIt()
    {
        string dir = Path.Combine(Path.GetTempPath(), "dytox-epochs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, EpochsCsv.FileName);
            EpochsCsv.Update(path, new(0, "train", 0, 0.5, 1e-3, 100, 2));
            EpochsCsv.Update(path, new(0, "train", 1, 0.25, 1e-3, 110, 2));
            EpochsCsv.Update(path, new(1, "train", 0, 0.75, 5e-4, 120, 2));
            EpochsCsv.Update(path, new(1, "finetune", 0, 0.125, 1e-5, 130, 1));
            // Resumed at task 1's main epoch 0: its finetuning row (later in run order) goes, the new row replaces it.
            EpochsCsv.Update(path, new(1, "train", 0, 0.625, 5e-4, 125, 2.5));
            Assert.That(File.ReadAllText(path), Is.EqualTo(
                "task,phase,epoch,loss,lr,images_per_second,seconds\n" +
                "0,train,0,0.5,0.001,100.0,2.000\n0,train,1,0.25,0.001,110.0,2.000\n1,train,0,0.625,0.0005,125.0,2.500\n"));
            var chart = EpochsCsv.LossChart(EpochsCsv.Read(path), "t")!;
            Assert.That(chart.Series.Single().Y, Is.EqualTo(new[] { 0.5, 0.25, 0.625 }));
            Assert.That(() => EpochsCsv.Update(path, new(2, "eval", 0, 0, 0, 0, 0)), Throws.ArgumentException);

            // Task 1's finetuning sits between the main trainings of tasks 1 and 2: the training line breaks there.
            EpochsCsv.Update(path, new(1, "finetune", 0, 0.125, 1e-5, 130, 1));
            EpochsCsv.Update(path, new(2, "train", 0, 0.5, 5e-4, 120, 2));
            var rows = EpochsCsv.Read(path);
            var training = EpochsCsv.LossChart(rows, "t")!.Series[0];
            Assert.That((training.X, training.SegmentStarts), Is.EqualTo((new double[] { 1, 2, 3, 5 }, new[] { 3 })));
            string svgPath = Path.Combine(dir, "loss.svg");
            EpochsCsv.LossChart(rows, "t")!.Render().Save(svgPath);
            var lines = System.Xml.Linq.XDocument.Load(svgPath).Descendants().Count(e => e.Name.LocalName == "polyline");
            Assert.That(lines, Is.EqualTo(3), "training: two segments; finetuning: one");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
