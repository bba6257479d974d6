using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace EdgeGw.Core.Authorizers;

/// <summary>Why a token was refused (each has its <c>error_description</c>, see <see cref="JwtFailures"/>).</summary>
public enum JwtFailure : byte
{
    None,
    Missing,
    Malformed,
    AlgorithmNone,
    Algorithm,
    UnknownKey,
    KeysUnavailable,
    Signature,
    Expired,
    NotYetValid,
    Issuer,
    Audience,
    /// <summary>Valid, but none of the route's <c>authorizationScopes</c>: 403, not 401.</summary>
    Scope,
}

/// <summary>An authorizer's JWT rules: the issuer, the audiences and the clock skew.</summary>
public sealed class JwtSettings
{
    /// <param name="secret">The HMAC secret of HS* tokens (<c>jwt.secretFile</c>); null: HS* is refused, as from any JWKS.</param>
    public JwtSettings(string issuer, System.Collections.Immutable.ImmutableArray<string> audiences, int clockSkewSeconds, byte[]? secret = null)
    {
        Secret = secret;
        Issuer = System.Text.Encoding.UTF8.GetBytes(issuer);
        Audiences = new byte[audiences.Length][];
        for (int i = 0; i < audiences.Length; i++)
        {
            Audiences[i] = System.Text.Encoding.UTF8.GetBytes(audiences[i]);
        }

        ClockSkewSeconds = clockSkewSeconds;
    }

    public byte[] Issuer { get; }
    public byte[][] Audiences { get; }
    public int ClockSkewSeconds { get; }
    public byte[]? Secret { get; }
}

/// <summary>
/// Validates a compact JWS as AWS's JWT authorizer does: header <c>alg</c> one the key allows (never <c>none</c> or HS*
/// from a JWKS), the key by <c>kid</c>, the signature, then <c>exp</c> (required), <c>nbf</c>, <c>iat</c> with the clock
/// skew, <c>iss</c>, and <c>aud</c> (or <c>client_id</c> without <c>aud</c>). Base64url is decoded into stack or pooled
/// buffers and the JSON read with <see cref="Utf8JsonReader"/>; only the accepted token's payload is copied out.
/// </summary>
public static class JwtValidator
{
    public const int MaxTokenBytes = 16 * 1024;
    private const int MaxHeaderBytes = 1024;
    private const int MaxSignatureBytes = 1024;

    /// <param name="payload">The accepted token's decoded payload (a new array); null when refused.</param>
    /// <param name="expiresAt">The accepted token's <c>exp</c> (unix seconds).</param>
    public static JwtFailure Validate(ReadOnlySpan<byte> token, JsonWebKeySet keys, JwtSettings settings, long nowSeconds, out byte[]? payload, out long expiresAt)
    {
        payload = null;
        expiresAt = 0;
        if (token.IsEmpty)
        {
            return JwtFailure.Missing;
        }

        if (token.Length > MaxTokenBytes)
        {
            return JwtFailure.Malformed;
        }

        int firstDot = token.IndexOf((byte)'.');
        if (firstDot <= 0)
        {
            return JwtFailure.Malformed;
        }

        int secondDot = token[(firstDot + 1)..].IndexOf((byte)'.');
        if (secondDot < 0)
        {
            return JwtFailure.Malformed;
        }

        secondDot += firstDot + 1;
        var encodedSignature = token[(secondDot + 1)..];
        if (encodedSignature.IndexOf((byte)'.') >= 0 || secondDot == firstDot + 1)
        {
            return JwtFailure.Malformed;
        }

        // Header: alg and kid.
        var encodedHeader = token[..firstDot];
        if (Base64Url.GetMaxDecodedLength(encodedHeader.Length) > MaxHeaderBytes)
        {
            return JwtFailure.Malformed;
        }

        Span<byte> header = stackalloc byte[MaxHeaderBytes];
        if (Base64Url.DecodeFromUtf8(encodedHeader, header, out _, out int headerLength) != OperationStatus.Done)
        {
            return JwtFailure.Malformed;
        }

        Span<byte> kid = stackalloc byte[256];
        var failure = ReadHeader(header[..headerLength], kid, out var alg, out int kidLength);
        if (failure != JwtFailure.None)
        {
            return failure;
        }

        bool hmac = alg is JwtAlgorithm.HS256 or JwtAlgorithm.HS384 or JwtAlgorithm.HS512;
        switch (alg)
        {
            case JwtAlgorithm.None:
                return JwtFailure.AlgorithmNone;
            case JwtAlgorithm.Unknown or JwtAlgorithm.EdDSA:
                return JwtFailure.Algorithm;
            case JwtAlgorithm.HS256 or JwtAlgorithm.HS384 or JwtAlgorithm.HS512 when settings.Secret is null:
                return JwtFailure.Algorithm; // never with a key from a JWKS: the "public key as HMAC secret" confusion
        }

        JsonWebKey? key = null;
        if (!hmac)
        {
            bool hasKid = kidLength >= 0;
            var keyId = hasKid ? kid[..kidLength] : default;
            key = keys.Find(keyId, hasKid, alg);
            if (key is null)
            {
                return hasKid && keys.HasKid(keyId) ? JwtFailure.Algorithm : JwtFailure.UnknownKey;
            }
        }

        // Signature over "header.payload".
        if (Base64Url.GetMaxDecodedLength(encodedSignature.Length) > MaxSignatureBytes)
        {
            return JwtFailure.Malformed;
        }

        Span<byte> signature = stackalloc byte[MaxSignatureBytes];
        if (Base64Url.DecodeFromUtf8(encodedSignature, signature, out _, out int signatureLength) != OperationStatus.Done)
        {
            return JwtFailure.Malformed;
        }

        if (hmac ? !VerifyHmac(alg, settings.Secret!, token[..secondDot], signature[..signatureLength]) : !key!.Verify(alg, token[..secondDot], signature[..signatureLength]))
        {
            return JwtFailure.Signature;
        }

        // Claims.
        var encodedPayload = token[(firstDot + 1)..secondDot];
        byte[] rented = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(encodedPayload.Length));
        try
        {
            if (Base64Url.DecodeFromUtf8(encodedPayload, rented, out _, out int payloadLength) != OperationStatus.Done)
            {
                return JwtFailure.Malformed;
            }

            var claims = rented.AsSpan(0, payloadLength);
            failure = CheckClaims(claims, settings, nowSeconds, out expiresAt);
            if (failure == JwtFailure.None)
            {
                payload = claims.ToArray();
            }

            return failure;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool VerifyHmac(JwtAlgorithm alg, byte[] secret, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        Span<byte> mac = stackalloc byte[64];
        int length = alg switch
        {
            JwtAlgorithm.HS256 => System.Security.Cryptography.HMACSHA256.HashData(secret, data, mac),
            JwtAlgorithm.HS384 => System.Security.Cryptography.HMACSHA384.HashData(secret, data, mac),
            _ => System.Security.Cryptography.HMACSHA512.HashData(secret, data, mac),
        };
        return signature.Length == length && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(mac[..length], signature);
    }

    private static JwtFailure ReadHeader(ReadOnlySpan<byte> json, Span<byte> kid, out JwtAlgorithm alg, out int kidLength)
    {
        alg = JwtAlgorithm.Unknown;
        kidLength = -1;
        bool sawAlg = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return JwtFailure.Malformed;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("alg"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
                    {
                        return JwtFailure.Malformed;
                    }

                    alg = JsonWebKey.ParseAlgorithm(reader.ValueSpan);
                    sawAlg = true;
                }
                else if (reader.ValueTextEquals("kid"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > kid.Length)
                    {
                        return JwtFailure.Malformed;
                    }

                    kidLength = reader.CopyString(kid);
                }
                else if (reader.ValueTextEquals("crit"u8))
                {
                    return JwtFailure.Malformed; // no extension is understood, so none may be critical (RFC 7515 4.1.11)
                }
                else if (!reader.TrySkip())
                {
                    return JwtFailure.Malformed;
                }
            }

            return sawAlg && reader.TokenType == JsonTokenType.EndObject ? JwtFailure.None : JwtFailure.Malformed;
        }
        catch (JsonException)
        {
            return JwtFailure.Malformed;
        }
    }

    private static JwtFailure CheckClaims(ReadOnlySpan<byte> json, JwtSettings settings, long now, out long exp)
    {
        exp = 0;
        bool hasExp = false, issuerOk = false, audienceOk = false, hasAudience = false, clientIdOk = false;
        long nbf = long.MinValue / 2, iat = long.MinValue / 2;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return JwtFailure.Malformed;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("iss"u8))
                {
                    reader.Read();
                    issuerOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(settings.Issuer);
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                    {
                        return JwtFailure.Malformed;
                    }
                }
                else if (reader.ValueTextEquals("aud"u8))
                {
                    hasAudience = true;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        audienceOk = Matches(ref reader, settings.Audiences);
                    }
                    else if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            if (reader.TokenType == JsonTokenType.String && Matches(ref reader, settings.Audiences))
                            {
                                audienceOk = true;
                            }
                            else if (reader.TokenType != JsonTokenType.String && !reader.TrySkip())
                            {
                                return JwtFailure.Malformed;
                            }
                        }
                    }
                    else if (!reader.TrySkip())
                    {
                        return JwtFailure.Malformed;
                    }
                }
                else if (reader.ValueTextEquals("client_id"u8))
                {
                    reader.Read();
                    clientIdOk = reader.TokenType == JsonTokenType.String && Matches(ref reader, settings.Audiences);
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                    {
                        return JwtFailure.Malformed;
                    }
                }
                else if (reader.ValueTextEquals("exp"u8))
                {
                    reader.Read();
                    if (!TryReadTime(ref reader, out exp))
                    {
                        return JwtFailure.Malformed;
                    }

                    hasExp = true;
                }
                else if (reader.ValueTextEquals("nbf"u8))
                {
                    reader.Read();
                    if (!TryReadTime(ref reader, out nbf))
                    {
                        return JwtFailure.Malformed;
                    }
                }
                else if (reader.ValueTextEquals("iat"u8))
                {
                    reader.Read();
                    if (!TryReadTime(ref reader, out iat))
                    {
                        return JwtFailure.Malformed;
                    }
                }
                else if (!reader.TrySkip())
                {
                    return JwtFailure.Malformed;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return JwtFailure.Malformed;
            }
        }
        catch (JsonException)
        {
            return JwtFailure.Malformed;
        }

        int skew = settings.ClockSkewSeconds;
        if (!hasExp || exp + skew <= now)
        {
            return JwtFailure.Expired;
        }

        if (nbf - skew > now || iat - skew > now)
        {
            return JwtFailure.NotYetValid;
        }

        if (!issuerOk)
        {
            return JwtFailure.Issuer;
        }

        // AWS: aud must contain an audience; a token without aud (Cognito's access tokens) is checked by client_id.
        return (hasAudience ? audienceOk : clientIdOk) ? JwtFailure.None : JwtFailure.Audience;
    }

    private static bool Matches(ref Utf8JsonReader reader, byte[][] allowed)
    {
        foreach (var value in allowed)
        {
            if (reader.ValueTextEquals(value))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryReadTime(ref Utf8JsonReader reader, out long seconds)
    {
        seconds = 0;
        if (reader.TokenType != JsonTokenType.Number)
        {
            return false;
        }

        if (reader.TryGetInt64(out seconds))
        {
            return true;
        }

        if (reader.TryGetDouble(out double value) && double.IsFinite(value) && Math.Abs(value) < 1e15)
        {
            seconds = (long)Math.Floor(value);
            return true;
        }

        return false;
    }
}

/// <summary>The <c>error_description</c> of each <see cref="JwtFailure"/>, and its <c>WWW-Authenticate</c> line, pre-encoded.</summary>
public static class JwtFailures
{
    private static readonly string[] Descriptions =
    [
        "",
        "the request has no token",
        "the token is malformed",
        "the token's algorithm 'none' is not accepted",
        "the token's algorithm is not accepted",
        "the token's signing key is unknown",
        "the issuer's signing keys could not be fetched",
        "the token's signature is invalid",
        "the token has expired",
        "the token is not valid yet",
        "the token's issuer is not accepted",
        "the token's audience is not accepted",
        "the token has none of the route's scopes",
    ];

    private static readonly byte[][] Lines = BuildLines();
    private static readonly byte[][] DescriptionBytes = Array.ConvertAll(Descriptions, System.Text.Encoding.ASCII.GetBytes);

    public static string Description(JwtFailure failure) => Descriptions[(int)failure];

    /// <summary>The description as UTF-8, for <c>$context.authorizer.error</c>.</summary>
    public static byte[] Utf8Description(JwtFailure failure) => DescriptionBytes[(int)failure];

    /// <summary>The <c>WWW-Authenticate</c> header line (with CRLF) of a 401 for <paramref name="failure"/>; a missing token gets a bare challenge.</summary>
    public static ReadOnlySpan<byte> WwwAuthenticateLine(JwtFailure failure) => Lines[(int)failure];

    private static byte[][] BuildLines()
    {
        var lines = new byte[Descriptions.Length][];
        for (int i = 0; i < lines.Length; i++)
        {
            lines[i] = System.Text.Encoding.ASCII.GetBytes(i == (int)JwtFailure.Missing || i == 0
                ? "WWW-Authenticate: Bearer\r\n"
                : i == (int)JwtFailure.Scope
                    ? $"WWW-Authenticate: Bearer error=\"insufficient_scope\", error_description=\"{Descriptions[i]}\"\r\n"
                    : $"WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"{Descriptions[i]}\"\r\n");
        }

        return lines;
    }
}
