using EdgeGw.Conformance.Tests.Infrastructure;

namespace EdgeGw.Conformance.Tests.Llhttp;

/// <summary>Runs an llhttp case through the gateway's framing and compares with llhttp's log.</summary>
internal static class LlhttpRunner
{
    private static readonly Lazy<IReadOnlyList<LlhttpCase>> All = new(() => [.. LlhttpCorpus.Load("request"), .. LlhttpCorpus.Load("response")]);

    public static IReadOnlyList<LlhttpCase> Cases => All.Value;

    public static LlhttpCase Find(string id) => Cases.First(c => c.Id == id);

    public static Verdict Evaluate(LlhttpCase test)
    {
        string file = "llhttp/" + test.File;
        if (test.Pause || test.SkipBody)
        {
            return new Verdict(file, test.Id, Outcome.Excluded, "exercises llhttp's callback API (pause/skipBody), not the wire format");
        }

        if (test.Log.Contains("error code=22 ", StringComparison.Ordinal))
        {
            return new Verdict(file, test.Id, Outcome.Excluded, "llhttp hands the connection over on Upgrade/CONNECT; the gateway has no tunnel or WebSocket yet");
        }

        if (Deviations.LlhttpExcluded.TryGetValue(test.Id, out string? why))
        {
            return new Verdict(file, test.Id, Outcome.Excluded, why);
        }

        var kind = test.IsRequest ? MessageKind.Request : MessageKind.Response;
        var whole = WireDriver.Drive(test.Input, kind, test.Finishes, [], addMissingHost: true);

        // Incremental parsing must agree with whole-buffer parsing wherever the bytes are cut.
        foreach (var cuts in Cuts(test.Input.Length))
        {
            var split = WireDriver.Drive(test.Input, kind, test.Finishes, cuts, addMissingHost: true);
            if (split.Rejected != whole.Rejected || split.Messages.Count != whole.Messages.Count || split.BodyBytes != whole.BodyBytes)
            {
                return new Verdict(file, test.Id, Outcome.Failed, $"cut at [{string.Join(',', cuts)}]: {split} but whole: {whole}");
            }
        }

        if (test.IsLenient || test.ExpectsError)
        {
            string expectation = test.IsLenient ? $"llhttp accepts this only with a leniency flag ({test.Type})" : "llhttp rejects this";
            if (!whole.Rejected && whole.Incomplete)
            {
                // llhttp reports some errors mid-head; the gateway judges a head once it is complete. Finish the
                // head the way a client would have to, and judge that.
                byte[] completed = [.. test.Input, .. test.Input.AsSpan().EndsWith("\r\n"u8) ? "\r\n"u8 : "\r\n\r\n"u8];
                var finished = WireDriver.Drive(completed, kind, test.Finishes, [], addMissingHost: true);
                if (finished.Rejected)
                {
                    return new Verdict(file, test.Id, Outcome.Passed, $"rejected once the head is complete: {finished.Rejection}");
                }
            }

            if (!whole.Rejected && Deviations.LlhttpLaxer.TryGetValue(test.Id, out string? lax))
            {
                return new Verdict(file, test.Id, Outcome.Differs, $"accepted: {lax}");
            }

            return whole.Rejected
                ? new Verdict(file, test.Id, Outcome.Passed, $"rejected: {whole.Rejection}")
                : new Verdict(file, test.Id, Outcome.Failed, $"{expectation}, but the gateway {whole}");
        }

        if (whole.Rejected)
        {
            return Deviations.LlhttpStricter.TryGetValue(test.Id, out string? reason)
                ? new Verdict(file, test.Id, Outcome.Differs, $"{whole.Rejection}: {reason}")
                : new Verdict(file, test.Id, Outcome.Failed, $"llhttp accepts this, but the gateway {whole}");
        }

        if (whole.Messages.Count != test.MessagesCompleted)
        {
            return new Verdict(file, test.Id, Outcome.Failed, $"llhttp completes {test.MessagesCompleted} message(s), the gateway {whole}");
        }

        if (!whole.Incomplete && whole.BodyBytes != test.BodyBytes)
        {
            return new Verdict(file, test.Id, Outcome.Failed, $"llhttp reads {test.BodyBytes} body bytes, the gateway {whole}");
        }

        return new Verdict(file, test.Id, Outcome.Passed, whole.HostAdded ? $"{whole} (Host supplied)" : whole.ToString());
    }

    /// <summary>A cut at every byte for short inputs, else a spread of single cuts; plus one byte per segment.</summary>
    private static IEnumerable<int[]> Cuts(int length)
    {
        int step = length <= 256 ? 1 : length / 64;
        for (int i = 1; i < length; i += step)
        {
            yield return [i];
        }

        yield return [.. Enumerable.Range(1, Math.Max(0, length - 1))];
    }
}
