using System.Text;
using EdgeGw.Protocols.Http1;
using EdgeGw.Protocols.Tests.Infrastructure;

namespace EdgeGw.Protocols.Tests.Http1;

public sealed class ResponseParserTests
{
    private const string Typical =
        "HTTP/1.1 200 OK\r\n" +
        "Server: nginx/1.22.1\r\n" +
        "Date: Tue, 24 Nov 2026 21:00:00 GMT\r\n" +
        "Content-Type: application/json\r\n" +
        "Content-Length: 1024\r\n" +
        "Connection: keep-alive\r\n" +
        "\r\n";

    [Fact]
    public void TypicalResponse_IsParsed_Identically_AtEveryCut()
    {
        var (error, head, headers, bytes) = Parse(Typical);

        Assert.Equal(HttpParseError.None, error);
        Assert.Equal((200, HttpVersion.Http11, BodyKind.ContentLength, 1024L, true), (head.StatusCode, head.Version, head.Body, head.ContentLength, head.KeepAlive));
        Assert.Equal("OK", Encoding.ASCII.GetString(bytes, head.ReasonOffset, head.ReasonLength));
        Assert.Equal(5, headers.Count);
        Assert.Equal(("Content-Type", "application/json"), headers[2]);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", BodyKind.Chunked, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", BodyKind.None, true)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", BodyKind.CloseDelimited, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n", BodyKind.ContentLength, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n", BodyKind.ContentLength, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n", BodyKind.ContentLength, false)]
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", BodyKind.None, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", BodyKind.None, true)]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n", BodyKind.None, true)]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", BodyKind.None, true)]
    public void BodyFraming_FollowsRfc9112Section6_3(string raw, BodyKind body, bool keepAlive)
    {
        var (error, head, _, _) = Parse(raw);
        Assert.Equal(HttpParseError.None, error);
        Assert.Equal((body, keepAlive), (head.Body, head.KeepAlive));
    }

    [Fact]
    public void ResponseToHead_HasNoBody_WhateverItsHeadersSay()
    {
        var (error, head, _, _) = Parse("HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n", HttpMethod.Head);
        Assert.Equal(HttpParseError.None, error);
        Assert.Equal(BodyKind.None, head.Body);

        Assert.Equal(BodyKind.None, Parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", HttpMethod.Head).Head.Body);
    }

    [Fact]
    public void InformationalResponses_AreFlagged()
    {
        Assert.True(Parse("HTTP/1.1 100 Continue\r\n\r\n").Head.IsInformational);
        Assert.True(Parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n").Head.IsInformational);
        Assert.False(Parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").Head.IsInformational);
    }

    [Fact]
    public void EmptyReasonPhrase_IsAccepted()
    {
        var (error, head, _, _) = Parse("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n");
        Assert.Equal((HttpParseError.None, 404, 0), (error, head.StatusCode, head.ReasonLength));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", HttpParseError.BothContentLengthAndTransferEncoding)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", HttpParseError.MultipleContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", HttpParseError.InvalidContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", HttpParseError.InvalidTransferEncoding)]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n", HttpParseError.InvalidStatusLine)]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n", HttpParseError.InvalidStatusCode)]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", HttpParseError.InvalidStatusCode)]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n", HttpParseError.InvalidStatusCode)]
    [InlineData("HTTP/1.1 600 High\r\n\r\n", HttpParseError.InvalidStatusCode)]
    [InlineData("HTTP/2.0 200 OK\r\n\r\n", HttpParseError.InvalidStatusLine)]
    [InlineData("ICY 200 OK\r\n\r\n", HttpParseError.InvalidStatusLine)]
    [InlineData("HTTP/1.1 200 O\u0001K\r\n\r\n", HttpParseError.InvalidStatusLine)]
    [InlineData("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", HttpParseError.WhitespaceBeforeColon)]
    [InlineData("HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n", HttpParseError.ObsoleteLineFolding)]
    public void Malformed_IsRejected_AtEveryCut(string raw, HttpParseError expected)
    {
        Assert.Equal(expected, Parse(raw).Error);
    }

    [Fact]
    public void Parse_AllocatesNothing()
    {
        var head = Encoding.ASCII.GetBytes(Typical);
        var handler = new NullHeadersHandler();
        HttpResponseParser.Parse(head, HttpMethod.Get, ref handler, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            HttpResponseParser.Parse(head, HttpMethod.Get, ref handler, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Scans the head at every cut (as the upstream reader does), then parses it; all cuts must agree.</summary>
    private static (HttpParseError Error, ResponseHead Head, List<(string Name, string Value)> Headers, byte[] Bytes) Parse(string raw, HttpMethod method = HttpMethod.Get)
    {
        var data = Segments.Ascii(raw + "BODY");
        (HttpParseError, ResponseHead, List<(string, string)>, byte[])? first = null;
        foreach (var cuts in Segments.AllCuts(data.Length, pairLimit: 0))
        {
            var outcome = HeadDriver.Scan(data, cuts[0], cuts, new HeadLimits(8192, 65536, 256));
            Assert.Equal(HeadScanStatus.Complete, outcome.Scan);
            Assert.Equal(raw.Length, outcome.HeadLength);
            var head = data[..(int)outcome.HeadLength];
            var collector = new CollectingHandler();
            var error = HttpResponseParser.Parse(head, method, ref collector, out var parsed);
            if (first is null)
            {
                first = (error, parsed, collector.Headers, head);
            }
            else
            {
                Assert.Equal(first.Value.Item1, error);
                Assert.Equal(first.Value.Item3, collector.Headers);
            }
        }

        return first!.Value;
    }
}
