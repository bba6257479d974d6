using System.Buffers;
using System.Text;
using EdgeGw.Protocols.Http1;
using EdgeGw.Protocols.Tests.Infrastructure;

namespace EdgeGw.Protocols.Tests.Http1;

public sealed class HeadReaderTests
{
    private const string Request = "GET /pets/1?x=1 HTTP/1.1\r\nHost: api.example.com\r\nX-Long: 0123456789\r\n\r\n";
    private const string Body = "BODY";

    private struct Names : IHttpHeadersHandler
    {
        public List<string> Seen;

        public void OnHeader(in HeaderLine header) => Seen.Add(Encoding.ASCII.GetString(header.Name));
    }

    [Fact]
    public void Read_GivesTheWholeHeadContiguously_AndWhereItEnds_AtEveryCutAndArrival()
    {
        var input = Segments.Ascii(Request + Body);
        foreach (var cuts in Segments.AllCuts(input.Length, pairLimit: 60))
        {
            var reader = new HeadReader();
            var status = HeadScanStatus.NeedMoreData;
            var buffer = Segments.Split(input, cuts);
            if (cuts[0] > 0 && cuts[0] < input.Length)
            {
                status = reader.Read(buffer.Slice(0, cuts[0]), HeadLimits.Default, out _);
            }

            if (status == HeadScanStatus.NeedMoreData)
            {
                status = reader.Read(buffer, HeadLimits.Default, out _);
            }

            Assert.Equal(HeadScanStatus.Complete, status);
            Assert.Equal(Request, Encoding.ASCII.GetString(reader.Head.Span));
            Assert.Equal(Body, Encoding.ASCII.GetString(buffer.Slice(reader.HeadEnd).ToArray()));

            var names = new Names { Seen = [] };
            Assert.Equal(HttpParseError.None, reader.ParseRequest(ref names, out var head));
            Assert.Equal(["Host", "X-Long"], names.Seen);
            Assert.Equal("/pets/1", Encoding.ASCII.GetString(head.Path(reader.Head.Span)));
            reader.ReturnBuffer();
        }
    }

    [Fact]
    public void Read_AfterReset_ReadsTheNextMessage()
    {
        var first = Segments.Ascii(Request);
        var second = Segments.Ascii("HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n");
        var reader = new HeadReader();
        Assert.Equal(HeadScanStatus.Complete, reader.Read(Segments.BytePerSegment(first), HeadLimits.Default, out _));
        reader.Reset();
        Assert.Equal(HeadScanStatus.Complete, reader.Read(Segments.BytePerSegment(second), HeadLimits.Default, out _));
        var names = new Names { Seen = [] };
        Assert.Equal(HttpParseError.None, reader.ParseResponse(HttpMethod.Get, ref names, out var response));
        Assert.Equal(204, response.StatusCode);
        Assert.Equal(["X-A"], names.Seen);
        reader.ReturnBuffer();
        Assert.True(reader.Head.IsEmpty);
    }

    [Fact]
    public void Read_OverTheHeaderLimit_IsAnError_WithTheScannersReason()
    {
        var input = Segments.Ascii(Request);
        var reader = new HeadReader();
        var limits = new HeadLimits(8192, 32768, MaxHeaderCount: 1);
        Assert.Equal(HeadScanStatus.Error, reader.Read(Segments.Split(input), limits, out var error));
        Assert.Equal(HttpParseError.TooManyHeaders, error);
    }
}
