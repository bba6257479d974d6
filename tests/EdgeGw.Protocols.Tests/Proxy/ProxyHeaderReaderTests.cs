using System.Buffers;
using System.Net;
using EdgeGw.Protocols.Infrastructure;
using EdgeGw.Protocols.Proxy;
using EdgeGw.Protocols.Tests.Infrastructure;

namespace EdgeGw.Protocols.Tests.Proxy;

public sealed class ProxyHeaderReaderTests
{
    private static readonly byte[] Request = Segments.Ascii("GET / HTTP/1.1\r\n\r\n");
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private readonly record struct Outcome(ProxyHeaderStatus Status, ProxyHeaderError Error, long Consumed, ProxyHeader Header);

    public static TheoryData<string, string, int, string, int> ValidV1 => new()
    {
        { "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n", "192.0.2.1", 56324, "198.51.100.2", 443 },
        { "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n", "255.255.255.255", 65535, "255.255.255.255", 65535 },
        { "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n", "0.0.0.0", 0, "0.0.0.0", 0 },
        { "PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n", "2001:db8::1", 1, "2001:db8::2", 2 },
        { "PROXY TCP6 ::ffff:192.0.2.1 ::1 8080 80\r\n", "192.0.2.1", 8080, "::1", 80 },
        { "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535 },
    };

    [Theory]
    [MemberData(nameof(ValidV1))]
    public void V1_Addresses_AtEveryCut(string line, string source, int sourcePort, string destination, int destinationPort)
    {
        var header = Segments.Ascii(line);
        var outcome = AtEveryCut([.. header, .. Request]);
        Assert.Equal(ProxyHeaderStatus.Complete, outcome.Status);
        Assert.Equal(header.Length, outcome.Consumed);
        Assert.Equal(1, outcome.Header.Version);
        Assert.True(outcome.Header.HasAddresses);
        Assert.Equal(source, outcome.Header.Source.ToString());
        Assert.Equal(destination, outcome.Header.Destination.ToString());
        Assert.Equal(sourcePort, outcome.Header.SourcePort);
        Assert.Equal(destinationPort, outcome.Header.DestinationPort);
        Assert.Equal(line.StartsWith("PROXY TCP6", StringComparison.Ordinal), outcome.Header.IsIPv6);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n")]
    public void V1_Unknown_KeepsTheSocketAddress(string line)
    {
        var outcome = AtEveryCut([.. Segments.Ascii(line), .. Request]);
        Assert.Equal(ProxyHeaderStatus.Complete, outcome.Status);
        Assert.Equal(line.Length, outcome.Consumed);
        Assert.False(outcome.Header.HasAddresses);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n", ProxyHeaderError.Missing)]
    [InlineData("PROXYTCP4 1.2.3.4 1.2.3.4 1 2\r\n", ProxyHeaderError.Missing)]
    [InlineData("proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n", ProxyHeaderError.Missing)]
    [InlineData("PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 1 65536\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP4 ::1 1.2.3.4 1 2\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP6 1::2::3 ::1 1 2\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY UNKNOWNX\r\n", ProxyHeaderError.MalformedV1)]
    [InlineData("PROXY TCP4 1.2.3.4 1.2.3.4 1 2", null)]
    [InlineData("PROXY UNKNOWN 000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\r\n", ProxyHeaderError.TooLongV1)]
    public void V1_Malformed_IsRefused(string text, ProxyHeaderError? expected)
    {
        var outcome = AtEveryCut(Segments.Ascii(text));
        if (expected is null)
        {
            // No CRLF yet and under 107 bytes: the reader waits (the read timeout ends it).
            Assert.Equal(ProxyHeaderStatus.Incomplete, outcome.Status);
            return;
        }

        Assert.Equal(ProxyHeaderStatus.Error, outcome.Status);
        Assert.Equal(expected, outcome.Error);
    }

    [Fact]
    public void V1_ExactlyTheLimit_IsRead_OneMore_IsTooLong()
    {
        string prefix = "PROXY UNKNOWN ";
        string atLimit = prefix + new string('x', ProxyHeaderReader.MaxV1Length - prefix.Length - 2) + "\r\n";
        Assert.Equal(ProxyHeaderStatus.Complete, AtEveryCut(Segments.Ascii(atLimit)).Status);
        var over = AtEveryCut(Segments.Ascii(prefix + new string('x', ProxyHeaderReader.MaxV1Length - prefix.Length - 1) + "\r\n"));
        Assert.Equal(ProxyHeaderError.TooLongV1, over.Error);
    }

    [Fact]
    public void V2_IPv4_AtEveryCut()
    {
        var header = V2(0x21, 0x11, [192, 0, 2, 1, 198, 51, 100, 2, 0xDC, 0x04, 0x01, 0xBB]);
        var outcome = AtEveryCut([.. header, .. Request]);
        Assert.Equal(ProxyHeaderStatus.Complete, outcome.Status);
        Assert.Equal(header.Length, outcome.Consumed);
        Assert.Equal(2, outcome.Header.Version);
        Assert.True(outcome.Header.HasAddresses);
        Assert.False(outcome.Header.IsIPv6);
        Assert.Equal("192.0.2.1", outcome.Header.Source.ToString());
        Assert.Equal("198.51.100.2", outcome.Header.Destination.ToString());
        Assert.Equal(56324, outcome.Header.SourcePort);
        Assert.Equal(443, outcome.Header.DestinationPort);
    }

    [Fact]
    public void V2_IPv6_WithTlvs_SkipsThem()
    {
        var source = IPAddress.Parse("2001:db8::17").GetAddressBytes();
        var destination = IPAddress.Parse("2001:db8::1").GetAddressBytes();
        // PP2_TYPE_ALPN "h2", then an AWS-style custom TLV (0xEA) and a NOOP with an empty value.
        byte[] tlvs = [0x01, 0x00, 0x02, (byte)'h', (byte)'2', 0xEA, 0x00, 0x05, 0x01, (byte)'v', (byte)'p', (byte)'c', (byte)'e', 0x04, 0x00, 0x00];
        var header = V2(0x21, 0x21, [.. source, .. destination, 0x30, 0x39, 0x00, 0x50, .. tlvs]);
        var outcome = AtEveryCut([.. header, .. Request]);
        Assert.Equal(ProxyHeaderStatus.Complete, outcome.Status);
        Assert.Equal(header.Length, outcome.Consumed);
        Assert.True(outcome.Header.IsIPv6);
        Assert.Equal("2001:db8::17", outcome.Header.Source.ToString());
        Assert.Equal(12345, outcome.Header.SourcePort);
        Assert.Equal(80, outcome.Header.DestinationPort);
    }

    [Theory]
    [InlineData(0x20, 0x11, 12)] // LOCAL: the addresses (here, any) are ignored
    [InlineData(0x20, 0x00, 0)]
    [InlineData(0x20, 0xFF, 3)] // LOCAL ignores the family byte too
    [InlineData(0x21, 0x00, 0)] // PROXY over UNSPEC
    [InlineData(0x21, 0x00, 7)]
    [InlineData(0x21, 0x31, 216)] // AF_UNIX
    [InlineData(0x21, 0x32, 216)]
    public void V2_WithoutUsableAddresses_KeepsTheSocketAddress(byte versionCommand, byte family, int blockLength)
    {
        var header = V2(versionCommand, family, new byte[blockLength]);
        var outcome = AtEveryCut([.. header, .. Request]);
        Assert.Equal(ProxyHeaderStatus.Complete, outcome.Status);
        Assert.Equal(header.Length, outcome.Consumed);
        Assert.Equal(2, outcome.Header.Version);
        Assert.False(outcome.Header.HasAddresses);
    }

    public static TheoryData<byte[], ProxyHeaderError> MalformedV2 => new()
    {
        { V2(0x11, 0x11, new byte[12]), ProxyHeaderError.MalformedV2 },        // version 1 in a v2 header
        { V2(0x31, 0x11, new byte[12]), ProxyHeaderError.MalformedV2 },        // version 3
        { V2(0x22, 0x11, new byte[12]), ProxyHeaderError.MalformedV2 },        // command 2
        { V2(0x21, 0x13, new byte[12]), ProxyHeaderError.MalformedV2 },        // transport 3
        { V2(0x21, 0x41, new byte[12]), ProxyHeaderError.MalformedV2 },        // family 4
        { V2(0x21, 0x01, new byte[12]), ProxyHeaderError.MalformedV2 },        // UNSPEC family over STREAM is not in the list
        { V2(0x21, 0x11, new byte[11]), ProxyHeaderError.MalformedV2 },        // AF_INET block too short
        { V2(0x21, 0x21, new byte[35]), ProxyHeaderError.MalformedV2 },        // AF_INET6 block too short
        { V2(0x21, 0x31, new byte[215]), ProxyHeaderError.MalformedV2 },       // AF_UNIX block too short
        { V2(0x21, 0x11, [.. new byte[12], 0x01, 0x00, 0x05, 0x41]), ProxyHeaderError.MalformedTlv }, // TLV past the end
        { V2(0x21, 0x11, [.. new byte[12], 0x01, 0x00]), ProxyHeaderError.MalformedTlv },              // half a TLV header
        { [.. V2Signature[..11], 0x0B, 0x21, 0x11, 0x00, 0x0C, .. new byte[12]], ProxyHeaderError.Missing },
        { [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x53], ProxyHeaderError.Missing },
        { [0x16, 0x03, 0x01, 0x00, 0x05], ProxyHeaderError.Missing },           // a TLS ClientHello without the header
        { [.. V2Signature, 0x21, 0x11, 0x0F, 0xF1], ProxyHeaderError.TooLongV2 },
    };

    [Theory]
    [MemberData(nameof(MalformedV2))]
    public void V2_Malformed_IsRefused(byte[] data, ProxyHeaderError expected)
    {
        var outcome = AtEveryCut([.. data, .. Request]);
        Assert.Equal(ProxyHeaderStatus.Error, outcome.Status);
        Assert.Equal(expected, outcome.Error);
    }

    [Fact]
    public void V2_AtTheLengthLimit_IsRead()
    {
        int tlvLength = ProxyHeaderReader.MaxV2Length - 16 - 12 - 3;
        var header = V2(0x21, 0x11, [.. new byte[12], 0xEE, (byte)(tlvLength >> 8), (byte)tlvLength, .. new byte[tlvLength]]);
        Assert.Equal(ProxyHeaderReader.MaxV2Length, header.Length);
        var outcome = Feed(header, []);
        Assert.Equal(ProxyHeaderStatus.Complete, outcome.Status);
        Assert.Equal(header.Length, outcome.Consumed);
    }

    [Fact]
    public void Truncated_Headers_WaitForMore()
    {
        var v2 = V2(0x21, 0x11, new byte[12]);
        for (int n = 0; n < v2.Length; n++)
        {
            Assert.Equal(ProxyHeaderStatus.Incomplete, ProxyHeaderReader.TryRead(new ReadOnlySequence<byte>(v2, 0, n), out _, out _, out _));
        }
    }

    [Fact]
    public void TryRead_AllocatesNothing_EvenCutIntoSegments()
    {
        var v1 = Segments.BytePerSegment(Segments.Ascii("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n"));
        var v2 = Segments.BytePerSegment(V2(0x21, 0x11, [.. new byte[12], 0x01, 0x00, 0x02, (byte)'h', (byte)'2']));
        ProxyHeaderReader.TryRead(v1, out _, out _, out _);
        ProxyHeaderReader.TryRead(v2, out _, out _, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            ProxyHeaderReader.TryRead(v1, out _, out _, out _);
            ProxyHeaderReader.TryRead(v2, out _, out _, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static byte[] V2(byte versionCommand, byte family, byte[] block) =>
        [.. V2Signature, versionCommand, family, (byte)(block.Length >> 8), (byte)block.Length, .. block];

    /// <summary>
    /// The outcome with every cut (each single cut with bytes arriving one at a time, each pair of cuts on the
    /// whole input): all must agree, and a header never completes before its last byte.
    /// </summary>
    private static Outcome AtEveryCut(byte[] data)
    {
        var expected = Feed(data, []);
        foreach (var cuts in Segments.AllCuts(data.Length))
        {
            var outcome = cuts.Length == 1 ? Feed(data, cuts) : Once(Segments.Split(data, cuts));
            Assert.Equal(expected.Status, outcome.Status);
            Assert.Equal(expected.Error, outcome.Error);
            Assert.Equal(expected.Consumed, outcome.Consumed);
            Assert.Equal(expected.Header, outcome.Header);
        }

        return expected;
    }

    /// <summary>Arrivals of 1, 2, … n bytes, as a connection sees them; the first outcome that is not Incomplete.</summary>
    private static Outcome Feed(byte[] data, int[] cuts)
    {
        for (int n = 1; n <= data.Length; n++)
        {
            var outcome = Once(Segments.Split(data[..n], cuts));
            if (outcome.Status != ProxyHeaderStatus.Incomplete)
            {
                Assert.True(outcome.Status == ProxyHeaderStatus.Error || outcome.Consumed == n || n > outcome.Consumed,
                    "a header completes no earlier than its last byte");
                if (outcome.Status == ProxyHeaderStatus.Complete)
                {
                    Assert.Equal(outcome.Consumed, n);
                }

                return outcome;
            }
        }

        return new Outcome(ProxyHeaderStatus.Incomplete, ProxyHeaderError.None, 0, default);
    }

    private static Outcome Once(ReadOnlySequence<byte> buffer)
    {
        var status = ProxyHeaderReader.TryRead(buffer, out var header, out long consumed, out var error);
        return new Outcome(status, error, consumed, header);
    }
}
