using System.Buffers;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Protocols.Tests.Infrastructure;

/// <summary>What the gateway does with a request head: scan incrementally as bytes arrive, then parse.</summary>
internal readonly record struct HeadOutcome(HeadScanStatus Scan, HttpParseError Error, long HeadStart, long HeadLength);

internal static class HeadDriver
{
    /// <summary>
    /// Feeds <paramref name="data"/> to a scanner the way a connection does: first the bytes before
    /// <paramref name="arrival"/>, then all of them, each buffer cut into segments at <paramref name="cuts"/>.
    /// </summary>
    public static HeadOutcome Scan(byte[] data, int arrival, int[] cuts, HeadLimits limits)
    {
        var scanner = new HeadScanner();
        long length = 0;
        HttpParseError error = HttpParseError.None;
        var status = HeadScanStatus.NeedMoreData;
        if (arrival > 0 && arrival < data.Length)
        {
            status = scanner.Scan(Segments.Split(data[..arrival], cuts), limits, out length, out error);
        }

        if (status == HeadScanStatus.NeedMoreData)
        {
            status = scanner.Scan(Segments.Split(data, cuts), limits, out length, out error);
        }

        return new HeadOutcome(status, error, scanner.HeadStart, length);
    }

    /// <summary>Feeds one byte at a time, each buffer one byte per segment; stops at the first non-NeedMoreData.</summary>
    public static (HeadOutcome Outcome, int BytesSeen) Trickle(byte[] data, HeadLimits limits)
    {
        var scanner = new HeadScanner();
        for (int n = 1; n <= data.Length; n++)
        {
            var status = scanner.Scan(Segments.BytePerSegment(data[..n]), limits, out long length, out var error);
            if (status != HeadScanStatus.NeedMoreData)
            {
                return (new HeadOutcome(status, error, scanner.HeadStart, length), n);
            }
        }

        return (new HeadOutcome(HeadScanStatus.NeedMoreData, HttpParseError.None, scanner.HeadStart, 0), data.Length);
    }

    /// <summary>Scans and parses at every cut; asserts every cut agrees and returns the common result.</summary>
    public static (HttpParseError Error, RequestHead Head, List<(string Name, string Value)> Headers, byte[] HeadBytes) ParseRequestAtEveryCut(
        string raw, HeadLimits? limits = null)
    {
        var data = Segments.Ascii(raw);
        var useLimits = limits ?? HeadLimits.Default;
        (HttpParseError, RequestHead, List<(string, string)>, byte[])? first = null;
        foreach (var cuts in Segments.AllCuts(data.Length, pairLimit: 0))
        {
            var outcome = Scan(data, cuts[0], cuts, useLimits);
            var result = outcome.Scan switch
            {
                HeadScanStatus.Error => (outcome.Error, default(RequestHead), new List<(string, string)>(), Array.Empty<byte>()),
                HeadScanStatus.NeedMoreData => throw new Xunit.Sdk.XunitException($"head incomplete at cut {cuts[0]}"),
                _ => Parse(data, outcome),
            };

            if (first is null)
            {
                first = result;
            }
            else
            {
                Assert.Equal(first.Value.Item1, result.Item1);
                Assert.Equal(first.Value.Item3, result.Item3);
                Assert.Equal(first.Value.Item4, result.Item4);
            }
        }

        return first!.Value;
    }

    private static (HttpParseError, RequestHead, List<(string, string)>, byte[]) Parse(byte[] data, HeadOutcome outcome)
    {
        var head = data.AsSpan((int)outcome.HeadStart, (int)outcome.HeadLength).ToArray();
        var collector = new CollectingHandler();
        var error = HttpRequestParser.Parse(head, ref collector, out var parsed);
        return (error, parsed, collector.Headers, head);
    }
}

/// <summary>Records headers as strings; for assertions only (the gateway's own handler stores offsets).</summary>
internal struct CollectingHandler : IHttpHeadersHandler
{
    public CollectingHandler()
    {
    }

    public List<(string Name, string Value)> Headers { get; } = [];

    public readonly void OnHeader(in HeaderLine header) =>
        Headers.Add((System.Text.Encoding.Latin1.GetString(header.Name), System.Text.Encoding.Latin1.GetString(header.Value)));
}
