using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeGw.Core.Authorizers;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using JsonWebKeySet = EdgeGw.Core.Authorizers.JsonWebKeySet;

namespace EdgeGw.Benchmarks.Authorizers;

/// <summary>
/// JWT validation, cold (parse + verify + claims, no cache) for RS256 and ES256, EdgeGw's validator vs
/// Microsoft.IdentityModel's JsonWebTokenHandler on the same tokens and keys; and EdgeGw's cached path (the token
/// seen before: hash, compare, time check); and the RSA/ECDSA verification alone, the floor under both validators.
/// </summary>
[MemoryDiagnoser]
public class JwtBenchmarks
{
    private const string Issuer = "https://issuer.example.com/";
    private const string Audience = "petstore";
    private RSA _rsa = null!;
    private ECDsa _ec = null!;
    private byte[] _rsToken = null!;
    private byte[] _esToken = null!;
    private string _rsText = null!;
    private string _esText = null!;
    private JsonWebKeySet _keys = null!;
    private JwtSettings _settings = null!;
    private JwtAuthorizer _cached = null!;
    private long _nowMs;
    private JsonWebTokenHandler _handler = null!;
    private RSA _rsaPublic = null!;
    private ECDsa _ecPublic = null!;
    private byte[] _rsSigned = null!, _rsSignature = null!, _esSigned = null!, _esSignature = null!;
    private TokenValidationParameters _rsParameters = null!;
    private TokenValidationParameters _esParameters = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rsa = RSA.Create(2048);
        _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        _nowMs = now * 1000;
        string payload = $$"""{"sub":"user-1","iss":"{{Issuer}}","aud":"{{Audience}}","iat":{{now - 10}},"exp":{{now + 3600}},"scope":"pets.read pets.write","email":"user-1@example.com"}""";
        _rsText = Sign("""{"alg":"RS256","kid":"rsa-1","typ":"JWT"}""", payload, data => _rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        _esText = Sign("""{"alg":"ES256","kid":"ec-1","typ":"JWT"}""", payload, data => _ec.SignData(data, HashAlgorithmName.SHA256));
        _rsToken = Encoding.ASCII.GetBytes(_rsText);
        _esToken = Encoding.ASCII.GetBytes(_esText);
        (_rsSigned, _rsSignature) = SplitSignature(_rsText);
        (_esSigned, _esSignature) = SplitSignature(_esText);
        var rp = _rsa.ExportParameters(false);
        var ep = _ec.ExportParameters(false);
        string B(byte[] b) => Base64UrlEncoder.Encode(b);
        _keys = JsonWebKeySet.Parse(Encoding.UTF8.GetBytes($$"""
            {"keys":[{"kty":"RSA","kid":"rsa-1","alg":"RS256","use":"sig","n":"{{B(rp.Modulus!)}}","e":"{{B(rp.Exponent!)}}"},
                     {"kty":"EC","kid":"ec-1","alg":"ES256","use":"sig","crv":"P-256","x":"{{B(ep.Q.X!)}}","y":"{{B(ep.Q.Y!)}}"}]}
            """))!;
        _settings = new JwtSettings(Issuer, [Audience], 60);
        _cached = new JwtAuthorizer("users", [], "X-EdgeGw-Authorizer-"u8.ToArray(), _settings, new JwksSource(Issuer, null), ["sub"]);
        JwtValidator.Validate(_rsToken, _keys, _settings, now, out var claims, out long exp);
        _cached.Tokens.Add(new JwtIdentity(_rsToken, claims!, (exp + 60) * 1000, "X-EdgeGw-Authorizer-"u8.ToArray(), ["sub"]), _nowMs);

        _rsaPublic = RSA.Create(rp);
        _ecPublic = ECDsa.Create(ep);
        _handler = new JsonWebTokenHandler();
        _rsParameters = Parameters(new RsaSecurityKey(rp) { KeyId = "rsa-1" });
        _esParameters = Parameters(new ECDsaSecurityKey(_ec) { KeyId = "ec-1" });
        if (EdgeGwRs256() != JwtFailure.None || EdgeGwEs256() != JwtFailure.None || !HandlerRs256().GetAwaiter().GetResult() || !HandlerEs256().GetAwaiter().GetResult() || !EdgeGwCached())
        {
            throw new InvalidOperationException("a validator refused the benchmark's tokens");
        }
    }

    private static TokenValidationParameters Parameters(SecurityKey key) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = key,
        ClockSkew = TimeSpan.FromSeconds(60),
    };

    private static (byte[] Signed, byte[] Signature) SplitSignature(string token)
    {
        int dot = token.LastIndexOf('.');
        return (Encoding.ASCII.GetBytes(token[..dot]), Base64UrlEncoder.DecodeBytes(token[(dot + 1)..]));
    }

    private static string Sign(string header, string payload, Func<byte[], byte[]> sign)
    {
        string input = Base64UrlEncoder.Encode(header) + "." + Base64UrlEncoder.Encode(payload);
        return input + "." + Base64UrlEncoder.Encode(sign(Encoding.ASCII.GetBytes(input)));
    }

    [Benchmark(Baseline = true)]
    public async Task<bool> HandlerRs256() => (await _handler.ValidateTokenAsync(_rsText, _rsParameters)).IsValid;

    [Benchmark]
    public JwtFailure EdgeGwRs256() => JwtValidator.Validate(_rsToken, _keys, _settings, _nowMs / 1000, out _, out _);

    [Benchmark]
    public async Task<bool> HandlerEs256() => (await _handler.ValidateTokenAsync(_esText, _esParameters)).IsValid;

    [Benchmark]
    public JwtFailure EdgeGwEs256() => JwtValidator.Validate(_esToken, _keys, _settings, _nowMs / 1000, out _, out _);

    [Benchmark]
    public bool EdgeGwCached() => _cached.Validate(_rsToken, _nowMs, out _) == JwtFailure.None;

    // The signature primitive alone on public-only keys, as both validators hold them: the floor of a cold validation.
    [Benchmark]
    public bool PrimitiveRs256() => _rsaPublic.VerifyData(_rsSigned, _rsSignature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [Benchmark]
    public bool PrimitiveEs256() => _ecPublic.VerifyData(_esSigned, _esSignature, HashAlgorithmName.SHA256);
}
