using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeGw.Core.Tls;

namespace EdgeGw.Server.Tls;

/// <summary>
/// A verified client certificate as the header lines the backend gets (built once per connection, after the
/// handshake): <c>{prefix}-Subject</c>, <c>-Issuer</c> (RFC 4514 distinguished names), <c>-Serial</c> (hex),
/// <c>-Not-After</c> (ISO 8601 UTC) and, unless turned off, <c>{prefix}</c> with the PEM URL-encoded (nginx's
/// <c>$ssl_client_escaped_cert</c>). Values outside printable ASCII are percent-encoded, so no certificate field can
/// break a header line.
/// </summary>
internal static class ClientCertificateHeaders
{
    public static byte[] Build(X509Certificate2 certificate, MutualTlsPolicy policy)
    {
        string prefix = policy.HeaderPrefix;
        var text = new StringBuilder(256);
        Line(text, prefix, "-Subject", certificate.SubjectName.Name);
        Line(text, prefix, "-Issuer", certificate.IssuerName.Name);
        Line(text, prefix, "-Serial", certificate.SerialNumber);
        Line(text, prefix, "-Not-After", certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        if (policy.ForwardCertificate)
        {
            text.Append(prefix).Append(": ").Append(Uri.EscapeDataString(certificate.ExportCertificatePem())).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static void Line(StringBuilder text, string prefix, string suffix, string value)
    {
        text.Append(prefix).Append(suffix).Append(": ");
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is >= ' ' and <= '~' and not '%')
            {
                text.Append((char)rune.Value);
                continue;
            }

            int length = rune.EncodeToUtf8(utf8);
            foreach (byte b in utf8[..length])
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        text.Append("\r\n");
    }
}
