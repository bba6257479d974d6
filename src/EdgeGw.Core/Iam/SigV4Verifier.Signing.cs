using System.Security.Cryptography;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Iam;

/// <summary>The second half: string to sign, HMAC with the derived signing key, and the constant-time signature check.</summary>
public sealed partial class SigV4Verifier
{
    /// <summary>
    /// Second half: hashes the canonical request with <paramref name="payloadHash"/> (hex, or <c>UNSIGNED-PAYLOAD</c>)
    /// and compares the signature, in constant time.
    /// </summary>
    public SigV4Status Finish(ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers, ReadOnlySpan<byte> method, ReadOnlySpan<byte> path, ReadOnlySpan<byte> query, ReadOnlySpan<byte> payloadHash)
    {
        var signedHeaders = _params.AsSpan(_signedHeadersStart, _signedHeadersLength);
        var writer = new HashWriter(_sha, Capture, stackalloc byte[512]);
        writer.Append(method);
        writer.Append((byte)'\n');
        WriteCanonicalUri(ref writer, path);
        writer.Append((byte)'\n');
        WriteCanonicalQuery(ref writer, query, _presigned);
        writer.Append((byte)'\n');
        WriteCanonicalHeaders(ref writer, head, headers, signedHeaders);
        writer.Append((byte)'\n');
        writer.Append(signedHeaders);
        writer.Append((byte)'\n');
        writer.Append(payloadHash);
        writer.Flush();
        Span<byte> digest = stackalloc byte[32];
        _sha.GetHashAndReset(digest);

        var scope = _params.AsSpan(_scopeStart, _credentialStart + _credentialLength - _scopeStart);
        Span<byte> hex = stackalloc byte[64];
        Signature(_sha, Credential!, _amzDate, scope, digest, hex);
        var given = _params.AsSpan(_signatureStart, _signatureLength);
        return given.Length == 64 && CryptographicOperations.FixedTimeEquals(hex, given) ? SigV4Status.Verified : SigV4Status.SignatureMismatch;
    }

    /// <summary>
    /// The signature, hex: the string to sign (algorithm, <paramref name="amzDate"/>, <paramref name="scope"/>
    /// (<c>date/region/service/aws4_request</c>), hex of <paramref name="canonicalDigest"/>, one per line) HMACed with
    /// the credential's signing key for the scope's date. Shared by the verifier and <see cref="SigV4Signer"/>.
    /// </summary>
    internal static void Signature(IncrementalHash sha, IamCredential credential, ReadOnlySpan<byte> amzDate, ReadOnlySpan<byte> scope, ReadOnlySpan<byte> canonicalDigest, Span<byte> hex)
    {
        Span<byte> toSign = stackalloc byte[17 + 17 + scope.Length + 1 + 64];
        Algorithm.CopyTo(toSign);
        toSign[16] = (byte)'\n';
        amzDate.CopyTo(toSign[17..]);
        toSign[33] = (byte)'\n';
        scope.CopyTo(toSign[34..]);
        toSign[34 + scope.Length] = (byte)'\n';
        WriteHexLower(canonicalDigest, toSign[(35 + scope.Length)..]);

        Span<byte> key = stackalloc byte[32];
        credential.SigningKey(scope[..8], key);
        Span<byte> signature = stackalloc byte[32];
        Hmac(sha, key, toSign, signature);
        WriteHexLower(signature, hex);
    }

    /// <summary>
    /// HMAC-SHA256 (RFC 2104) with a 32-byte key on this verifier's SHA-256: two hashes over the padded key and the
    /// data. The static <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> sets up
    /// an OpenSSL MAC context per call: on this 2-core machine (loaded) it measured 11-17 µs a call against 2-5 µs
    /// for one IncrementalHash round over the same 50 bytes.
    /// </summary>
    private static void Hmac(IncrementalHash sha, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        Span<byte> pad = stackalloc byte[64];
        pad.Fill(0x36);
        for (int i = 0; i < key.Length; i++)
        {
            pad[i] ^= key[i];
        }

        Span<byte> inner = stackalloc byte[32];
        sha.AppendData(pad);
        sha.AppendData(data);
        sha.GetHashAndReset(inner);
        // 0x36 ^ 0x5c turns the inner pad into the outer one.
        for (int i = 0; i < pad.Length; i++)
        {
            pad[i] ^= 0x36 ^ 0x5c;
        }

        sha.AppendData(pad);
        sha.AppendData(inner);
        sha.GetHashAndReset(mac);
    }

    internal static void WriteHexLower(ReadOnlySpan<byte> bytes, Span<byte> output)
    {
        ReadOnlySpan<byte> hex = "0123456789abcdef"u8;
        for (int i = 0; i < bytes.Length; i++)
        {
            output[i * 2] = hex[bytes[i] >> 4];
            output[i * 2 + 1] = hex[bytes[i] & 15];
        }
    }
}
