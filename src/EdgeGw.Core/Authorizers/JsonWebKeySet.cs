using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EdgeGw.Core.Authorizers;

/// <summary>A JWS algorithm EdgeGw verifies (RFC 7518 names). HS* and <c>none</c> are never accepted from a JWKS.</summary>
public enum JwtAlgorithm : byte
{
    Unknown,
    None,
    HS256, HS384, HS512,
    RS256, RS384, RS512,
    PS256, PS384, PS512,
    ES256, ES384, ES512,
    /// <summary>Recognised, never verified: System.Security.Cryptography has no Ed25519/Ed448 on this platform.</summary>
    EdDSA,
}

/// <summary>One signing key of a JWKS (RSA or EC), with the algorithms it may verify.</summary>
public sealed class JsonWebKey
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ec;
    private readonly JwtAlgorithm _alg;
    private readonly int _ecFieldBytes;

    private JsonWebKey(byte[]? kid, RSA? rsa, ECDsa? ec, int ecFieldBytes, JwtAlgorithm alg)
    {
        Kid = kid;
        _rsa = rsa;
        _ec = ec;
        _ecFieldBytes = ecFieldBytes;
        _alg = alg;
    }

    /// <summary>The key's <c>kid</c> (UTF-8); null when it has none.</summary>
    public byte[]? Kid { get; }

    public bool Allows(JwtAlgorithm alg)
    {
        if (_alg != JwtAlgorithm.Unknown && _alg != alg)
        {
            return false;
        }

        return alg switch
        {
            JwtAlgorithm.RS256 or JwtAlgorithm.RS384 or JwtAlgorithm.RS512 or JwtAlgorithm.PS256 or JwtAlgorithm.PS384 or JwtAlgorithm.PS512 => _rsa is not null,
            JwtAlgorithm.ES256 => _ec is not null && _ecFieldBytes == 32,
            JwtAlgorithm.ES384 => _ec is not null && _ecFieldBytes == 48,
            JwtAlgorithm.ES512 => _ec is not null && _ecFieldBytes == 66,
            _ => false,
        };
    }

    /// <summary>Verifies <paramref name="signature"/> of <paramref name="data"/> (the JWS signing input) with <paramref name="alg"/>, which <see cref="Allows"/> accepted.</summary>
    public bool Verify(JwtAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        switch (alg)
        {
            case JwtAlgorithm.RS256: return _rsa!.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            case JwtAlgorithm.RS384: return _rsa!.VerifyData(data, signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1);
            case JwtAlgorithm.RS512: return _rsa!.VerifyData(data, signature, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1);
            case JwtAlgorithm.PS256: return _rsa!.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
            case JwtAlgorithm.PS384: return _rsa!.VerifyData(data, signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pss);
            case JwtAlgorithm.PS512: return _rsa!.VerifyData(data, signature, HashAlgorithmName.SHA512, RSASignaturePadding.Pss);
            case JwtAlgorithm.ES256: return signature.Length == 64 && _ec!.VerifyData(data, signature, HashAlgorithmName.SHA256);
            case JwtAlgorithm.ES384: return signature.Length == 96 && _ec!.VerifyData(data, signature, HashAlgorithmName.SHA384);
            case JwtAlgorithm.ES512: return signature.Length == 132 && _ec!.VerifyData(data, signature, HashAlgorithmName.SHA512);
            default: return false;
        }
    }

    public static JwtAlgorithm ParseAlgorithm(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("RS256"u8) => JwtAlgorithm.RS256,
        _ when name.SequenceEqual("ES256"u8) => JwtAlgorithm.ES256,
        _ when name.SequenceEqual("RS384"u8) => JwtAlgorithm.RS384,
        _ when name.SequenceEqual("RS512"u8) => JwtAlgorithm.RS512,
        _ when name.SequenceEqual("PS256"u8) => JwtAlgorithm.PS256,
        _ when name.SequenceEqual("PS384"u8) => JwtAlgorithm.PS384,
        _ when name.SequenceEqual("PS512"u8) => JwtAlgorithm.PS512,
        _ when name.SequenceEqual("ES384"u8) => JwtAlgorithm.ES384,
        _ when name.SequenceEqual("ES512"u8) => JwtAlgorithm.ES512,
        _ when name.SequenceEqual("HS256"u8) => JwtAlgorithm.HS256,
        _ when name.SequenceEqual("HS384"u8) => JwtAlgorithm.HS384,
        _ when name.SequenceEqual("HS512"u8) => JwtAlgorithm.HS512,
        _ when name.SequenceEqual("EdDSA"u8) => JwtAlgorithm.EdDSA,
        _ when name.SequenceEqual("none"u8) || name.SequenceEqual("None"u8) || name.SequenceEqual("NONE"u8) => JwtAlgorithm.None,
        _ => JwtAlgorithm.Unknown,
    };

    /// <summary>A key from a JWKS entry; null for keys EdgeGw does not verify with (symmetric, OKP, encryption keys, RSA under 2048 bits, bad parameters).</summary>
    internal static JsonWebKey? FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? kty = Text(element, "kty");
        string? use = Text(element, "use");
        if (use is not null && use != "sig")
        {
            return null;
        }

        byte[]? kid = Text(element, "kid") is { } kidText ? Encoding.UTF8.GetBytes(kidText) : null;
        var alg = Text(element, "alg") is { } algText ? ParseAlgorithm(Encoding.UTF8.GetBytes(algText)) : JwtAlgorithm.Unknown;
        if (alg is JwtAlgorithm.None or JwtAlgorithm.HS256 or JwtAlgorithm.HS384 or JwtAlgorithm.HS512 or JwtAlgorithm.EdDSA)
        {
            return null;
        }

        try
        {
            if (kty == "RSA" && Bytes(element, "n") is { } n && Bytes(element, "e") is { } e)
            {
                int leading = 0;
                while (leading < n.Length - 1 && n[leading] == 0)
                {
                    leading++;
                }

                if ((n.Length - leading) * 8 < 2048)
                {
                    return null;
                }

                var rsa = RSA.Create();
                rsa.ImportParameters(new RSAParameters { Modulus = n[leading..], Exponent = e });
                return new JsonWebKey(kid, rsa, null, 0, alg);
            }

            if (kty == "EC" && Bytes(element, "x") is { } x && Bytes(element, "y") is { } y)
            {
                (ECCurve curve, int size) = Text(element, "crv") switch
                {
                    "P-256" => (ECCurve.NamedCurves.nistP256, 32),
                    "P-384" => (ECCurve.NamedCurves.nistP384, 48),
                    "P-521" => (ECCurve.NamedCurves.nistP521, 66),
                    _ => (default, 0),
                };
                if (size == 0 || x.Length != size || y.Length != size)
                {
                    return null;
                }

                var ec = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } });
                return new JsonWebKey(kid, null, ec, size, alg);
            }
        }
        catch (CryptographicException)
        {
            return null;
        }

        return null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Bytes(JsonElement element, string name)
    {
        if (Text(element, name) is not { } text)
        {
            return null;
        }

        try
        {
            return System.Buffers.Text.Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>The keys of one JWKS document as fetched, immutable (a refresh replaces the set).</summary>
public sealed class JsonWebKeySet
{
    public static readonly JsonWebKeySet Empty = new([]);

    public JsonWebKeySet(JsonWebKey[] keys) => Keys = keys;

    public JsonWebKey[] Keys { get; }

    /// <summary>The key named <paramref name="kid"/> that allows <paramref name="alg"/>; without a kid, the only key that allows it.</summary>
    public JsonWebKey? Find(ReadOnlySpan<byte> kid, bool hasKid, JwtAlgorithm alg)
    {
        JsonWebKey? only = null;
        int candidates = 0;
        foreach (var key in Keys)
        {
            if (hasKid)
            {
                if (key.Kid is not null && kid.SequenceEqual(key.Kid))
                {
                    return key.Allows(alg) ? key : null;
                }
            }
            else if (key.Allows(alg))
            {
                only = key;
                candidates++;
            }
        }

        return candidates == 1 ? only : null;
    }

    /// <summary>Whether the set has a key named <paramref name="kid"/> (whatever its algorithm).</summary>
    public bool HasKid(ReadOnlySpan<byte> kid)
    {
        foreach (var key in Keys)
        {
            if (key.Kid is not null && kid.SequenceEqual(key.Kid))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses a JWKS document (<c>{"keys":[...]}</c>); null when it is not one.</summary>
    public static JsonWebKeySet? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var list = new List<JsonWebKey>();
            foreach (var element in keys.EnumerateArray())
            {
                if (JsonWebKey.FromJson(element) is { } key)
                {
                    list.Add(key);
                }
            }

            return new JsonWebKeySet([.. list]);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
