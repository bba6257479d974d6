using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeGw.Core.ClientAddresses;
using EdgeGw.Protocols.Http1;
using EdgeGw.Protocols.Infrastructure;
using EdgeGw.Protocols.Proxy;

namespace EdgeGw.Benchmarks.ClientAddresses;

/// <summary>
/// What the real client address costs: the per-request X-Forwarded-For walk with <c>server.trustedProxies</c>
/// (three hops over two lines, four trusted blocks, the client's canonical text written), and the per-connection
/// PROXY header read (v1 IPv4 text, v2 IPv6 binary).
/// </summary>
[MemoryDiagnoser]
public class ClientAddressBenchmarks
{
    private static readonly TrustedProxies Trusted = TrustedProxies.Create(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "2001:db8:ff::/48"]);
    private readonly byte[] _text = new byte[IPAddressText.MaxLength];
    private byte[] _head = [];
    private HeaderEntry[] _headers = [];
    private ReadOnlySequence<byte> _v1;
    private ReadOnlySequence<byte> _v2;

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder("GET / HTTP/1.1\r\nHost: api.example.com\r\n");
        var entries = new List<HeaderEntry>();
        foreach (var value in new[] { "198.51.100.1, 203.0.113.5", "10.1.2.3, 172.16.5.4" })
        {
            var entry = new HeaderEntry { Known = KnownHeader.XForwardedFor, NameOffset = text.Length, NameLength = 15 };
            text.Append("X-Forwarded-For: ");
            entry.ValueOffset = text.Length;
            entry.ValueLength = value.Length;
            text.Append(value).Append("\r\n");
            entries.Add(entry);
        }

        _head = Encoding.ASCII.GetBytes(text.Append("\r\n").ToString());
        _headers = [.. entries];
        _v1 = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.5 10.0.0.1 56324 443\r\nGET / HTTP/1.1\r\n"));
        byte[] v6 = [0x20, 0x01, 0x0d, 0xb8, .. new byte[11], 0x05, 0x20, 0x01, 0x0d, 0xb8, .. new byte[11], 0x01, 0xDC, 0x04, 0x01, 0xBB];
        _v2 = new ReadOnlySequence<byte>([0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x21, 0x00, 0x24, .. v6]);
    }

    [Benchmark]
    public int ForwardedForWalk()
    {
        ForwardedFor.TryFindClient(_head, _headers, Trusted, out var client, out _, out _);
        return IPAddressText.Format(client, _text);
    }

    [Benchmark]
    public long ProxyV1() => ProxyHeaderReader.TryRead(_v1, out _, out long consumed, out _) == ProxyHeaderStatus.Complete ? consumed : -1;

    [Benchmark]
    public long ProxyV2() => ProxyHeaderReader.TryRead(_v2, out _, out long consumed, out _) == ProxyHeaderStatus.Complete ? consumed : -1;
}
