using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeGw.Core.Tls;

/// <summary>
/// A verified client certificate as AWS's <c>$context.identity.clientCert.*</c> values (UTF-8, built once per
/// connection after the handshake): the PEM, the subject and issuer distinguished names in the certificate's order
/// (<c>C=US,O=Example,CN=client</c>, as AWS writes them), the serial number as colon-separated hex octets and the
/// validity dates as OpenSSL prints them (<c>May 28 12:30:02 2019 GMT</c>).
/// </summary>
public sealed class ClientCertificateIdentity
{
    private ClientCertificateIdentity(X509Certificate2 certificate)
    {
        Pem = Encoding.ASCII.GetBytes(certificate.ExportCertificatePem());
        SubjectDN = Encoding.UTF8.GetBytes(Name(certificate.SubjectName));
        IssuerDN = Encoding.UTF8.GetBytes(Name(certificate.IssuerName));
        SerialNumber = Encoding.ASCII.GetBytes(Serial(certificate.SerialNumber));
        NotBefore = Encoding.ASCII.GetBytes(OpenSslTime(certificate.NotBefore));
        NotAfter = Encoding.ASCII.GetBytes(OpenSslTime(certificate.NotAfter));
    }

    public byte[] Pem { get; }
    public byte[] SubjectDN { get; }
    public byte[] IssuerDN { get; }
    public byte[] SerialNumber { get; }
    public byte[] NotBefore { get; }
    public byte[] NotAfter { get; }

    public static ClientCertificateIdentity From(X509Certificate2 certificate) => new(certificate);

    private static string Name(X500DistinguishedName name) =>
        name.Decode(X500DistinguishedNameFlags.UseCommas).Replace(", ", ",", StringComparison.Ordinal);

    /// <summary><paramref name="hex"/> (big-endian, as <see cref="X509Certificate.SerialNumber"/> gives it) as <c>0a:1b:…</c>.</summary>
    internal static string Serial(string hex)
    {
        if (hex.Length % 2 == 1)
        {
            hex = "0" + hex;
        }

        var text = new StringBuilder(hex.Length * 3 / 2);
        for (int i = 0; i < hex.Length; i += 2)
        {
            if (i > 0)
            {
                text.Append(':');
            }

            text.Append(char.ToLowerInvariant(hex[i])).Append(char.ToLowerInvariant(hex[i + 1]));
        }

        return text.ToString();
    }

    /// <summary>OpenSSL's <c>ASN1_TIME_print</c> form: <c>Aug  5 09:36:04 2021 GMT</c> (the day padded to two places).</summary>
    internal static string OpenSslTime(DateTime time)
    {
        var utc = time.ToUniversalTime();
        return string.Create(CultureInfo.InvariantCulture, $"{utc:MMM} {utc.Day,2} {utc:HH:mm:ss yyyy} GMT");
    }
}
