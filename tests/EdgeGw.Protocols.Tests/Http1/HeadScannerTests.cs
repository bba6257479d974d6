using EdgeGw.Protocols.Http1;
using EdgeGw.Protocols.Tests.Infrastructure;

namespace EdgeGw.Protocols.Tests.Http1;

public sealed class HeadScannerTests
{
    private const string Head = "GET /a HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";

    [Fact]
    public void CompleteHead_IsFound_AtEveryCutAndArrival_AndFollowingBytesAreNotPartOfIt()
    {
        var data = Segments.Ascii(Head + "BODY");
        foreach (var cuts in Segments.AllCuts(data.Length))
        {
            for (int arrival = 0; arrival <= data.Length; arrival += 7)
            {
                var outcome = HeadDriver.Scan(data, arrival, cuts, HeadLimits.Default);
                Assert.Equal((HeadScanStatus.Complete, 0L, (long)Head.Length), (outcome.Scan, outcome.HeadStart, outcome.HeadLength));
            }
        }
    }

    [Fact]
    public void Trickled_IsCompleteExactlyWhenTheFinalLineFeedArrives()
    {
        var (outcome, seen) = HeadDriver.Trickle(Segments.Ascii(Head + "BODY"), HeadLimits.Default);
        Assert.Equal(HeadScanStatus.Complete, outcome.Scan);
        Assert.Equal(Head.Length, seen);
        Assert.Equal(Head.Length, outcome.HeadLength);
    }

    [Fact]
    public void IncompleteHead_NeedsMoreData_AtEveryPrefix()
    {
        var data = Segments.Ascii(Head);
        for (int n = 0; n < data.Length; n++)
        {
            var scanner = new HeadScanner();
            var status = scanner.Scan(Segments.Split(data[..n], n / 2), HeadLimits.Default, out _, out _);
            Assert.Equal(HeadScanStatus.NeedMoreData, status);
        }
    }

    [Fact]
    public void LeadingEmptyLines_AreSkipped()
    {
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line received before the request line.
        var data = Segments.Ascii("\r\n\r\n" + Head);
        foreach (var cuts in Segments.AllCuts(data.Length, pairLimit: 0))
        {
            var outcome = HeadDriver.Scan(data, cuts[0], cuts, HeadLimits.Default);
            Assert.Equal((HeadScanStatus.Complete, 4L, (long)Head.Length), (outcome.Scan, outcome.HeadStart, outcome.HeadLength));
        }
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\nHost: x\r\n\r\n", HttpParseError.BareLineFeed)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\n\r\n", HttpParseError.BareLineFeed)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\n", HttpParseError.BareLineFeed)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", HttpParseError.BareCarriageReturn)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\r\n\r\n", HttpParseError.BareCarriageReturn)]
    [InlineData("GET /\r HTTP/1.1\r\nHost: x\r\n\r\n", HttpParseError.BareCarriageReturn)]
    public void BareCrOrLf_IsRejected_AtEveryCut(string raw, HttpParseError expected)
    {
        var data = Segments.Ascii(raw);
        foreach (var cuts in Segments.AllCuts(data.Length))
        {
            var outcome = HeadDriver.Scan(data, cuts[0], cuts, HeadLimits.Default);
            Assert.Equal((HeadScanStatus.Error, expected), (outcome.Scan, outcome.Error));
        }

        Assert.Equal(expected, HeadDriver.Trickle(data, HeadLimits.Default).Outcome.Error);
    }

    [Fact]
    public void RequestLine_AtTheLimit_IsAccepted_OneOver_IsRejectedBeforeItsEndArrives()
    {
        var limits = new HeadLimits(MaxStartLineBytes: 64, MaxHeaderBytes: 1024, MaxHeaderCount: 10);
        string Line(int length) => "GET /" + new string('a', length - "GET / HTTP/1.1".Length) + " HTTP/1.1";

        var atLimit = Segments.Ascii(Line(64) + "\r\nHost: x\r\n\r\n");
        Assert.Equal(HeadScanStatus.Complete, HeadDriver.Trickle(atLimit, limits).Outcome.Scan);

        // Without a line end the scanner must stop buffering once the line cannot fit.
        var (outcome, seen) = HeadDriver.Trickle(Segments.Ascii(Line(200)), limits);
        Assert.Equal((HeadScanStatus.Error, HttpParseError.RequestLineTooLong), (outcome.Scan, outcome.Error));
        Assert.True(seen <= 64 + 3, $"read {seen} bytes of an over-long request line before rejecting it");
        Assert.Equal(414, outcome.Error.ToStatusCode());
    }

    [Fact]
    public void HeaderSection_OverTheByteLimit_IsRejected_AtEveryCut()
    {
        var limits = new HeadLimits(MaxStartLineBytes: 64, MaxHeaderBytes: 100, MaxHeaderCount: 50);
        var fits = "GET / HTTP/1.1\r\nHost: x\r\nA: " + new string('v', 100 - "Host: x\r\nA: \r\n".Length) + "\r\n\r\n";
        var over = "GET / HTTP/1.1\r\nHost: x\r\nA: " + new string('v', 101 - "Host: x\r\nA: \r\n".Length) + "\r\n\r\n";

        foreach (var cuts in Segments.AllCuts(over.Length, pairLimit: 0))
        {
            Assert.Equal(HeadScanStatus.Complete, HeadDriver.Scan(Segments.Ascii(fits), cuts[0], cuts, limits).Scan);
            var outcome = HeadDriver.Scan(Segments.Ascii(over), cuts[0], cuts, limits);
            Assert.Equal((HeadScanStatus.Error, HttpParseError.HeadersTooLarge), (outcome.Scan, outcome.Error));
        }

        Assert.Equal(431, HttpParseError.HeadersTooLarge.ToStatusCode());
    }

    [Fact]
    public void HeaderCount_OverTheLimit_IsRejected_AtTheLimit_IsAccepted()
    {
        var limits = new HeadLimits(MaxStartLineBytes: 64, MaxHeaderBytes: 4096, MaxHeaderCount: 3);
        var three = Segments.Ascii("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n");
        var four = Segments.Ascii("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");

        Assert.Equal(HeadScanStatus.Complete, HeadDriver.Trickle(three, limits).Outcome.Scan);
        var outcome = HeadDriver.Trickle(four, limits).Outcome;
        Assert.Equal((HeadScanStatus.Error, HttpParseError.TooManyHeaders), (outcome.Scan, outcome.Error));
        Assert.Equal(431, outcome.Error.ToStatusCode());
    }

    [Fact]
    public void Scan_AllocatesNothing()
    {
        var buffer = Segments.Split(Segments.Ascii(Head), 10, 20);
        var limits = HeadLimits.Default;
        var scanner = new HeadScanner();
        scanner.Scan(buffer, limits, out _, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            scanner = new HeadScanner();
            scanner.Scan(buffer, limits, out _, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
