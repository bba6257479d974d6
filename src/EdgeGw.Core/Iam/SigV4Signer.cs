using System.Security.Cryptography;
using System.Text;
using EdgeGw.Protocols.Buffers;

namespace EdgeGw.Core.Iam;

/// <summary>
/// The AWS credentials an outgoing call is signed with (a Lambda invoke): the access key, its secret (held by
/// <see cref="Key"/>, whose signing key is cached per day), an optional session token, and the region and service
/// of the credential scope. Built once per compiled integration.
/// </summary>
public sealed class SigV4SigningCredential
{
    public SigV4SigningCredential(string accessKeyId, string secret, string? sessionToken, string region, string service)
    {
        AccessKeyId = Encoding.ASCII.GetBytes(accessKeyId);
        Region = Encoding.ASCII.GetBytes(region);
        Service = Encoding.ASCII.GetBytes(service);
        SessionToken = string.IsNullOrEmpty(sessionToken) ? null : Encoding.ASCII.GetBytes(sessionToken);
        Key = new IamCredential(accessKeyId, secret, accessKeyId, Region, Service);
    }

    public byte[] AccessKeyId { get; }
    public byte[] Region { get; }
    public byte[] Service { get; }
    /// <summary>The temporary credentials' token (<c>X-Amz-Security-Token</c>); null for long-term keys.</summary>
    public byte[]? SessionToken { get; }
    internal IamCredential Key { get; }

    /// <summary>Signs as <paramref name="other"/> does: the same key id, secret and session token.</summary>
    internal bool SameKeys(SigV4SigningCredential other) =>
        AccessKeyId.AsSpan().SequenceEqual(other.AccessKeyId) && Key.SameSecret(other.Key)
        && (SessionToken ?? []).AsSpan().SequenceEqual(other.SessionToken ?? []);

    /// <summary>The access key id, for diagnostics (never the secret).</summary>
    public override string ToString() => Encoding.ASCII.GetString(AccessKeyId);
}

/// <summary>
/// Signs an outgoing request with AWS Signature Version 4 in the header form, over the same canonicalisation as
/// <see cref="SigV4Verifier"/> (its URI encoding, hash writer and string-to-sign code): the signed headers are
/// <c>content-type;host;x-amz-date</c> and, with temporary credentials, <c>x-amz-security-token</c>; no query; the
/// payload hashed whole. Writes the <c>X-Amz-Date</c>, <c>X-Amz-Security-Token</c> and <c>Authorization</c> lines.
/// One per connection (it owns its SHA-256); not thread-safe. Signing allocates nothing.
/// </summary>
public sealed class SigV4Signer : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public void Dispose() => _sha.Dispose();

    /// <param name="path">The request path as written on the wire (percent-encoded).</param>
    /// <param name="host">The Host header's value as sent.</param>
    public void WriteHeaders<T>(ref BufferWriter<T> writer, SigV4SigningCredential credential, ReadOnlySpan<byte> method, ReadOnlySpan<byte> path,
        ReadOnlySpan<byte> host, ReadOnlySpan<byte> contentType, ReadOnlySpan<byte> payload, DateTimeOffset now)
        where T : System.Buffers.IBufferWriter<byte>
    {
        Span<byte> amzDate = stackalloc byte[16];
        var utc = now.UtcDateTime;
        utc.TryFormat(amzDate, out _, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

        // Scope: date/region/service/aws4_request.
        int scopeLength = 8 + 1 + credential.Region.Length + 1 + credential.Service.Length + 1 + 12;
        Span<byte> scope = stackalloc byte[scopeLength];
        amzDate[..8].CopyTo(scope);
        int at = 8;
        scope[at++] = (byte)'/';
        credential.Region.CopyTo(scope[at..]);
        at += credential.Region.Length;
        scope[at++] = (byte)'/';
        credential.Service.CopyTo(scope[at..]);
        at += credential.Service.Length;
        scope[at++] = (byte)'/';
        "aws4_request"u8.CopyTo(scope[at..]);

        ReadOnlySpan<byte> signedHeaders = credential.SessionToken is null
            ? "content-type;host;x-amz-date"u8
            : "content-type;host;x-amz-date;x-amz-security-token"u8;

        Span<byte> payloadDigest = stackalloc byte[32];
        _sha.AppendData(payload);
        _sha.GetHashAndReset(payloadDigest);
        Span<byte> payloadHex = stackalloc byte[64];
        SigV4Verifier.WriteHexLower(payloadDigest, payloadHex);

        var hash = new SigV4Verifier.HashWriter(_sha, null, stackalloc byte[512]);
        hash.Append(method);
        hash.Append((byte)'\n');
        SigV4Verifier.WriteCanonicalUri(ref hash, path);
        hash.Append((byte)'\n');
        // No query.
        hash.Append((byte)'\n');
        hash.Append("content-type:"u8);
        hash.Append(contentType);
        hash.Append("\nhost:"u8);
        hash.Append(host);
        hash.Append("\nx-amz-date:"u8);
        hash.Append(amzDate);
        hash.Append((byte)'\n');
        if (credential.SessionToken is { } token)
        {
            hash.Append("x-amz-security-token:"u8);
            hash.Append(token);
            hash.Append((byte)'\n');
        }

        hash.Append((byte)'\n');
        hash.Append(signedHeaders);
        hash.Append((byte)'\n');
        hash.Append(payloadHex);
        hash.Flush();
        Span<byte> digest = stackalloc byte[32];
        _sha.GetHashAndReset(digest);

        Span<byte> signature = stackalloc byte[64];
        SigV4Verifier.Signature(_sha, credential.Key, amzDate, scope, digest, signature);

        writer.Write("X-Amz-Date: "u8);
        writer.Write(amzDate);
        writer.Write("\r\n"u8);
        if (credential.SessionToken is { } sessionToken)
        {
            writer.Write("X-Amz-Security-Token: "u8);
            writer.Write(sessionToken);
            writer.Write("\r\n"u8);
        }

        writer.Write("Authorization: AWS4-HMAC-SHA256 Credential="u8);
        writer.Write(credential.AccessKeyId);
        writer.WriteByte((byte)'/');
        writer.Write(scope);
        writer.Write(", SignedHeaders="u8);
        writer.Write(signedHeaders);
        writer.Write(", Signature="u8);
        writer.Write(signature);
        writer.Write("\r\n"u8);
    }
}
