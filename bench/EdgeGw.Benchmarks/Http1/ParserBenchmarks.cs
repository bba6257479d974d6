using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Benchmarks.Http1;

/// <summary>Head scanning + parsing of a typical browser GET (12 headers) and of an upstream response head.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private static readonly byte[] BrowserGet = Encoding.ASCII.GetBytes(
        "GET /prod/pets/42?include=owner&fields=name,age HTTP/1.1\r\n" +
        "Host: api.example.com\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n" +
        "Accept-Language: en-US,en;q=0.9\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Connection: keep-alive\r\n" +
        "Cookie: session=3f2a9c1e7b; theme=dark; _ga=GA1.2.123456789.1700000000\r\n" +
        "Upgrade-Insecure-Requests: 1\r\n" +
        "Sec-Fetch-Dest: document\r\n" +
        "Sec-Fetch-Mode: navigate\r\n" +
        "Sec-Fetch-Site: none\r\n" +
        "Cache-Control: max-age=0\r\n" +
        "\r\n");

    private static readonly byte[] UpstreamResponse = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\n" +
        "Server: nginx/1.22.1\r\n" +
        "Date: Tue, 24 Nov 2026 21:00:00 GMT\r\n" +
        "Content-Type: application/json\r\n" +
        "Content-Length: 1024\r\n" +
        "Connection: keep-alive\r\n" +
        "Cache-Control: no-cache\r\n" +
        "X-Upstream-Id: 7f3c2a\r\n" +
        "\r\n");

    private ReadOnlySequence<byte> _request;
    private ReadOnlySequence<byte> _response;

    [GlobalSetup]
    public void Setup()
    {
        _request = new ReadOnlySequence<byte>(BrowserGet);
        _response = new ReadOnlySequence<byte>(UpstreamResponse);
    }

    [Benchmark]
    public int RequestHead_ScanAndParse()
    {
        var scanner = new HeadScanner();
        scanner.Scan(_request, HeadLimits.Default, out long length, out _);
        var handler = new CountingHandler();
        HttpRequestParser.Parse(BrowserGet.AsSpan(0, (int)length), ref handler, out var head);
        return handler.Count + head.PathLength;
    }

    [Benchmark]
    public int ResponseHead_ScanAndParse()
    {
        var scanner = new HeadScanner();
        scanner.Scan(_response, HeadLimits.Default, out long length, out _);
        var handler = new CountingHandler();
        HttpResponseParser.Parse(UpstreamResponse.AsSpan(0, (int)length), HttpMethod.Get, ref handler, out var head);
        return handler.Count + head.StatusCode;
    }

    private struct CountingHandler : IHttpHeadersHandler
    {
        public int Count;

        public void OnHeader(in HeaderLine header) => Count += header.Value.Length;
    }
}
