using EdgeGw.Conformance.Tests.DesyncGuardian;
using EdgeGw.Conformance.Tests.Infrastructure;
using EdgeGw.Conformance.Tests.Llhttp;
using Xunit.Abstractions;

namespace EdgeGw.Conformance.Tests;

public sealed class ConformanceTests(ITestOutputHelper output)
{
    public static TheoryData<string> LlhttpCases() => [.. LlhttpRunner.Cases.Select(c => c.Id)];

    public static TheoryData<string> DesyncCases() => [.. DesyncRunner.Cases.Select(c => c.Id)];

    [CorpusTheory]
    [MemberData(nameof(LlhttpCases))]
    public void Llhttp(string id)
    {
        var verdict = LlhttpRunner.Evaluate(LlhttpRunner.Find(id));
        output.WriteLine($"{verdict.Outcome}: {verdict.Detail}");
        Assert.True(verdict.Outcome != Outcome.Failed, verdict.Detail);
    }

    [CorpusTheory]
    [MemberData(nameof(DesyncCases))]
    public void DesyncGuardian(string id)
    {
        var verdict = DesyncRunner.Evaluate(DesyncRunner.Find(id));
        output.WriteLine($"{verdict.Outcome}: {verdict.Detail}");
        Assert.True(verdict.Outcome != Outcome.Failed, verdict.Detail);
    }

    /// <summary>Runs every case, prints the per-file table, writes it to TestResults/conformance-summary.md.</summary>
    [CorpusFact]
    public void Summary()
    {
        var verdicts = LlhttpRunner.Cases.Select(LlhttpRunner.Evaluate).Concat(DesyncRunner.Cases.Select(DesyncRunner.Evaluate)).ToList();
        string table = SummaryTable.Render(verdicts);
        output.WriteLine(table);
        Console.WriteLine(table);
        Directory.CreateDirectory("TestResults");
        File.WriteAllText(Path.Combine("TestResults", "conformance-summary.md"), table);

        Assert.True(DesyncRunner.Cases.Count(c => c.File == "severe.yaml") > 0, "severe.yaml has no cases: the corpus reader is broken");
        Assert.DoesNotContain(verdicts, v => v.File.EndsWith("severe.yaml", StringComparison.Ordinal) && v.Outcome != Outcome.Passed);
        Assert.DoesNotContain(verdicts, v => v.Outcome == Outcome.Failed);
    }
}
