namespace EdgeGw.Conformance.Tests.Infrastructure;

internal enum Outcome
{
    /// <summary>The gateway did what the corpus expects.</summary>
    Passed,
    /// <summary>The gateway differs from the corpus on purpose, for a documented reason (see <see cref="Deviations"/>).</summary>
    Differs,
    /// <summary>The case exercises a feature of the other parser's API, not HTTP (see <see cref="Deviations"/>).</summary>
    Excluded,
    Failed,
}

internal readonly record struct Verdict(string File, string Id, Outcome Outcome, string Detail);
