using System.Globalization;
using System.Text;

namespace EdgeGw.Conformance.Tests.Infrastructure;

internal static class SummaryTable
{
    public static string Render(IReadOnlyList<Verdict> verdicts)
    {
        var text = new StringBuilder();
        text.AppendLine("| Corpus file | Cases | Passed | Differs (documented) | Excluded | Failed |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var group in verdicts.GroupBy(v => v.File).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Row(text, group.Key, group.ToList());
        }

        Row(text, "**total**", verdicts);
        foreach (var failed in verdicts.Where(v => v.Outcome == Outcome.Failed))
        {
            text.Append(CultureInfo.InvariantCulture, $"\nFAILED {failed.Id}: {failed.Detail}");
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, IReadOnlyList<Verdict> verdicts)
    {
        int Count(Outcome outcome) => verdicts.Count(v => v.Outcome == outcome);
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {name} | {verdicts.Count} | {Count(Outcome.Passed)} | {Count(Outcome.Differs)} | {Count(Outcome.Excluded)} | {Count(Outcome.Failed)} |");
    }
}
