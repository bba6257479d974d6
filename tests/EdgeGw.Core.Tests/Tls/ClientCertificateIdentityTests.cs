using EdgeGw.Core.Tls;

namespace EdgeGw.Core.Tests.Tls;

public sealed class ClientCertificateIdentityTests
{
    [Theory]
    [InlineData("0A1B2C", "0a:1b:2c")]
    [InlineData("A1B", "0a:1b")]
    [InlineData("7F", "7f")]
    public void Serial_IsColonSeparatedLowercaseOctets(string hex, string expected) =>
        Assert.Equal(expected, ClientCertificateIdentity.Serial(hex));

    [Theory]
    [InlineData(2021, 8, 5, 9, 36, 4, "Aug  5 09:36:04 2021 GMT")]
    [InlineData(2019, 5, 28, 12, 30, 2, "May 28 12:30:02 2019 GMT")]
    public void Dates_AreWrittenAsOpensslPrintsThem(int y, int mo, int d, int h, int mi, int s, string expected) =>
        Assert.Equal(expected, ClientCertificateIdentity.OpenSslTime(new DateTime(y, mo, d, h, mi, s, DateTimeKind.Utc)));
}
