using EdgeGw.Conformance.Tests.Infrastructure;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Conformance.Tests.DesyncGuardian;

/// <summary>Classifies a desync-guardian request with the gateway's parser and checks it against the expected tier.</summary>
internal static class DesyncRunner
{
    private static readonly Lazy<IReadOnlyList<DesyncCase>> All = new(() => [.. DesyncCorpus.Files().SelectMany(DesyncCorpus.Load)]);

    public static IReadOnlyList<DesyncCase> Cases => All.Value;

    public static DesyncCase Find(string id) => Cases.First(c => c.Id == id);

    public static Verdict Evaluate(DesyncCase test)
    {
        string file = "desync-guardian/" + test.File;
        var wire = test.ToWire();
        var whole = WireDriver.Drive(wire, MessageKind.Request, endOfInput: false, []);
        for (int cut = 1; cut < wire.Length; cut++)
        {
            var split = WireDriver.Drive(wire, MessageKind.Request, endOfInput: false, [cut]);
            if (split.Rejected != whole.Rejected || split.Error != whole.Error)
            {
                return new Verdict(file, test.Id, Outcome.Failed, $"cut at {cut}: {split} but whole: {whole}");
            }
        }

        int status = whole.Rejected ? (whole.Error == HttpParseError.None ? 400 : whole.Error.ToStatusCode()) : 0;
        switch (test.Tier)
        {
            case "Severe":
                // Must never reach an upstream: 400 and the connection closed (every parse error closes it).
                return whole.Rejected && status == 400
                    ? new Verdict(file, test.Id, Outcome.Passed, $"rejected: {whole.Rejection}")
                    : new Verdict(file, test.Id, Outcome.Failed, whole.Rejected ? $"rejected with {status}, not 400: {whole.Rejection}" : $"accepted a severe desync vector: {whole}");
            case "Ambiguous":
                // Either answer is safe as long as framing is unambiguous, which the strict parser guarantees
                // for anything it accepts (one of Content-Length or chunked, never both).
                return new Verdict(file, test.Id, Outcome.Passed, whole.Rejected ? $"rejected: {whole.Rejection}" : "accepted with one framing");
            case "Acceptable" or "Compliant":
                if (!whole.Rejected)
                {
                    return new Verdict(file, test.Id, Outcome.Passed, "accepted");
                }

                return Deviations.DesyncStricter.TryGetValue(test.Id, out string? reason)
                    ? new Verdict(file, test.Id, Outcome.Differs, $"{whole.Rejection}: {reason}")
                    : new Verdict(file, test.Id, Outcome.Failed, $"{test.Tier} but rejected: {whole.Rejection}");
            default:
                return new Verdict(file, test.Id, Outcome.Failed, $"unknown tier '{test.Tier}'");
        }
    }
}
