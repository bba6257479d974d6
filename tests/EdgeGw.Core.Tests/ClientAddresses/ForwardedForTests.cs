using System.Text;
using EdgeGw.Core.ClientAddresses;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Tests.ClientAddresses;

public sealed class ForwardedForTests
{
    private static readonly TrustedProxies Trusted = TrustedProxies.Create(["10.0.0.0/8", "2001:db8::/32", "192.0.2.9"]);

    [Theory]
    // The right-most untrusted address is the client; what is left of it goes on.
    [InlineData(new[] { "203.0.113.5" }, "203.0.113.5", "")]
    [InlineData(new[] { "198.51.100.1, 203.0.113.5, 10.0.0.2" }, "203.0.113.5", "198.51.100.1")]
    [InlineData(new[] { "198.51.100.1,203.0.113.5,10.0.0.2,10.0.0.3" }, "203.0.113.5", "198.51.100.1")]
    [InlineData(new[] { "spoof", "198.51.100.1, 203.0.113.5", "10.0.0.2" }, "203.0.113.5", "spoof|198.51.100.1")]
    [InlineData(new[] { "203.0.113.5", "10.0.0.2, 192.0.2.9" }, "203.0.113.5", "")]
    [InlineData(new[] { "2001:DB8::1, 2001:0db9::7, 2001:db8::2" }, "2001:db9::7", "2001:DB8::1")]
    [InlineData(new[] { "::ffff:203.0.113.5, 10.1.1.1" }, "203.0.113.5", "")]
    // Every address trusted: the left-most is the client.
    [InlineData(new[] { "10.0.0.1, 10.0.0.2" }, "10.0.0.1", "")]
    // Empty elements are skipped.
    [InlineData(new[] { "203.0.113.5,, 10.0.0.2 ,", "" }, "203.0.113.5", "")]
    // A malformed element stops the walk: the last address walked is the client.
    [InlineData(new[] { "203.0.113.5, unknown, 10.0.0.2" }, "10.0.0.2", "203.0.113.5, unknown")]
    [InlineData(new[] { "203.0.113.5, 198.51.100.1:8080, 10.0.0.2, 10.0.0.3" }, "10.0.0.2", "203.0.113.5, 198.51.100.1:8080")]
    [InlineData(new[] { "203.0.113.5, [2001:db8::1]" }, null, null)]
    [InlineData(new[] { "203.0.113.5, 10.0.0.2 junk" }, null, null)]
    [InlineData(new[] { "" }, null, null)]
    [InlineData(new string[0], null, null)]
    public void TryFindClient_WalksFromTheRight(string[] lines, string? client, string? kept)
    {
        var (head, headers) = Head(lines);

        bool found = ForwardedFor.TryFindClient(head, headers, Trusted, out var address, out int index, out int keep);

        Assert.Equal(client is not null, found);
        if (client is null)
        {
            return;
        }

        Assert.Equal(client, address.ToString());
        Assert.Equal(kept, Kept(head, headers, index, keep));
    }

    [Fact]
    public void TryFindClient_StopsAfterMaxHops()
    {
        var chain = string.Join(", ", Enumerable.Range(1, TrustedProxies.MaxHops + 5).Select(i => $"10.0.{i / 256}.{i % 256}"));
        var (head, headers) = Head(["203.0.113.5, " + chain]);

        Assert.True(ForwardedFor.TryFindClient(head, headers, Trusted, out var address, out _, out _));

        // The 32nd address from the right: the walk did not reach 203.0.113.5.
        int n = TrustedProxies.MaxHops + 5 - TrustedProxies.MaxHops + 1;
        Assert.Equal($"10.0.{n / 256}.{n % 256}", address.ToString());
    }

    [Fact]
    public void TryFindClient_AndFormat_AllocateNothing()
    {
        var (head, headers) = Head(["198.51.100.1, 2001:db8::7", "203.0.113.5, 10.0.0.2, 192.0.2.9"]);
        var text = new byte[Protocols.Infrastructure.IPAddressText.MaxLength];
        ForwardedFor.TryFindClient(head, headers, Trusted, out var warm, out _, out _);
        Protocols.Infrastructure.IPAddressText.Format(warm, text);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int length = 0;
        for (int i = 0; i < 1000; i++)
        {
            ForwardedFor.TryFindClient(head, headers, Trusted, out var client, out _, out _);
            length = Protocols.Infrastructure.IPAddressText.Format(client, text);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal("203.0.113.5", Encoding.ASCII.GetString(text, 0, length));
    }

    /// <summary>What the writer sends on: lines before the index whole, that one cut and trimmed, joined by '|'.</summary>
    private static string Kept(byte[] head, HeaderEntry[] headers, int index, int keep)
    {
        var parts = new List<string>();
        for (int i = 0; i <= index; i++)
        {
            if (headers[i].Known != KnownHeader.XForwardedFor || headers[i].ValueLength == 0)
            {
                continue;
            }

            var value = headers[i].Value(head);
            var part = i < index ? value : ForwardedFor.TrimKept(value[..keep]);
            if (!part.IsEmpty)
            {
                parts.Add(Encoding.ASCII.GetString(part));
            }
        }

        return string.Join("|", parts);
    }

    /// <summary>A head with each line as an X-Forwarded-For field, an unrelated field between them.</summary>
    private static (byte[] Head, HeaderEntry[] Headers) Head(string[] lines)
    {
        var text = new StringBuilder("GET / HTTP/1.1\r\n");
        var entries = new List<HeaderEntry>();
        foreach (var line in lines)
        {
            entries.Add(Field(text, "X-Forwarded-For", line, KnownHeader.XForwardedFor));
            entries.Add(Field(text, "X-Other", "10.0.0.99, 1.2.3.4", KnownHeader.None));
        }

        text.Append("\r\n");
        return (Encoding.ASCII.GetBytes(text.ToString()), entries.ToArray());
    }

    private static HeaderEntry Field(StringBuilder text, string name, string value, KnownHeader known)
    {
        var entry = new HeaderEntry { Known = known, NameOffset = text.Length, NameLength = name.Length };
        text.Append(name).Append(": ");
        entry.ValueOffset = text.Length;
        entry.ValueLength = value.Length;
        text.Append(value).Append("\r\n");
        return entry;
    }
}
