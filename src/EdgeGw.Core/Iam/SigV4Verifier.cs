using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Iam;

/// <summary>
/// Verifies AWS Signature Version 4 (AWS4-HMAC-SHA256) on a request, in the header form (<c>Authorization:
/// AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...</c>) and the presigned query form
/// (<c>X-Amz-Algorithm</c>, <c>X-Amz-Credential</c>, ...), as AWS defines the canonical request for services other
/// than S3: the path normalised (empty and <c>.</c> segments dropped, <c>..</c> applied) and each segment
/// URI-encoded as received (so a <c>%20</c> on the wire is <c>%2520</c> in the canonical request, the "double
/// encoding"), the query decoded, re-encoded and sorted, the signed headers lower-case with values trimmed and
/// their inner runs of white space collapsed (repeated headers joined by commas), and the payload hash from
/// <c>x-amz-content-sha256</c> or computed from the body.
/// <para>
/// The canonical request is never built: its bytes go straight into one incremental SHA-256 through a stack
/// buffer; the query's pairs are re-encoded into a pooled scratch buffer to be sorted. With the signing key cached
/// per credential and day (<see cref="IamCredential.SigningKey"/>), a verified request allocates nothing. One
/// instance per connection (it owns its hash and parameter buffer); not thread-safe.
/// </para>
/// </summary>
public sealed partial class SigV4Verifier : IDisposable
{
    /// <summary>AWS's tolerance between the request's date and the gateway's clock, either way.</summary>
    public const int ClockSkewSeconds = 300;
    /// <summary>AWS's limit on a presigned URL's <c>X-Amz-Expires</c> (seven days).</summary>
    public const int MaxPresignedExpiresSeconds = 604800;
    /// <summary>
    /// The largest body the gateway hashes when the payload hash is not given by the client (or must be checked
    /// against the one it gave). Read ahead in the connection's input pipe, whose writer pauses at 1 MiB (both
    /// transports), so this bound keeps the head and the body below that with room to spare.
    /// </summary>
    public const int MaxHashedBodyBytes = 256 * 1024;
    /// <summary>Room for the Authorization parameters (credential, signed headers, signature) decoded.</summary>
    private const int ParamCapacity = 4096;

    public static ReadOnlySpan<byte> Algorithm => "AWS4-HMAC-SHA256"u8;
    public static ReadOnlySpan<byte> UnsignedPayload => "UNSIGNED-PAYLOAD"u8;
    /// <summary>The SHA-256 of nothing, hex: the payload hash of a request without a body.</summary>
    public static ReadOnlySpan<byte> EmptyPayloadHash => "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"u8;

    private static readonly SearchValues<byte> Unreserved = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"u8);
    private static ReadOnlySpan<byte> HexUpper => "0123456789ABCDEF"u8;

    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _params = new byte[ParamCapacity];
    private readonly byte[] _amzDate = new byte[16];
    private readonly byte[] _claimed = new byte[64];
    private int _used;
    private int _credentialStart, _credentialLength;
    private int _signedHeadersStart, _signedHeadersLength;
    private int _signatureStart, _signatureLength;
    private int _scopeStart;
    private bool _presigned;

    /// <summary>The credential that signed the request, once <see cref="Begin"/> found it.</summary>
    public IamCredential? Credential { get; private set; }

    /// <summary>How the payload hash is known (after <see cref="Begin"/> returned <see cref="SigV4Status.Verified"/>).</summary>
    public SigV4Payload Payload { get; private set; }

    /// <summary>Whether the signature came in the query string (a presigned URL).</summary>
    public bool Presigned => _presigned;

    /// <summary>The <c>x-amz-content-sha256</c> the client signed (hex), when <see cref="Payload"/> is <see cref="SigV4Payload.Claimed"/>.</summary>
    public ReadOnlySpan<byte> ClaimedPayloadHash => _claimed;

    /// <summary>
    /// The message of the last refusal when it quotes the request (a date, a region); null when the fixed
    /// <see cref="SigV4Messages.For"/> text applies. Made only on a refusal.
    /// </summary>
    public byte[]? Message { get; private set; }

    /// <summary>Tests: receives the canonical request's bytes as they are hashed.</summary>
    internal IBufferWriter<byte>? Capture { get; set; }

    public void Dispose() => _sha.Dispose();

    /// <summary>The message to send for <paramref name="status"/>, the last refusal of this verifier.</summary>
    public byte[] MessageFor(SigV4Status status) => Message ?? SigV4Messages.For(status);

    /// <summary>
    /// First half: reads the signature's parameters (header or presigned form), checks the credential scope against
    /// <paramref name="settings"/>, the date against <paramref name="nowUnixSeconds"/> and finds the credential.
    /// <see cref="SigV4Status.Verified"/> means "go on": hash the body if <see cref="Payload"/> asks for it, then call
    /// <see cref="Finish"/>.
    /// </summary>
    public SigV4Status Begin(IamSettings settings, ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers, ReadOnlySpan<byte> query, long nowUnixSeconds)
    {
        Credential = null;
        Message = null;
        _used = 0;
        _credentialLength = _signedHeadersLength = _signatureLength = -1;
        long requestTime;
        long expires = 0;
        var authorization = Header(head, headers, "authorization"u8);
        if (!authorization.IsEmpty)
        {
            _presigned = false;
            var status = ReadAuthorizationHeader(authorization);
            if (status != SigV4Status.Verified)
            {
                return status;
            }

            var amzDate = Header(head, headers, "x-amz-date"u8);
            if (!amzDate.IsEmpty)
            {
                if (!TryParseIsoBasic(amzDate, out requestTime))
                {
                    return SigV4Status.MissingDate;
                }

                amzDate.CopyTo(_amzDate);
            }
            else if (Utf8Parser.TryParse(Header(head, headers, "date"u8), out DateTimeOffset date, out _, 'R'))
            {
                requestTime = date.ToUnixTimeSeconds();
                FormatIsoBasic(requestTime, _amzDate);
            }
            else
            {
                return SigV4Status.MissingDate;
            }
        }
        else if (HasQueryParameter(query, "X-Amz-Algorithm"u8))
        {
            _presigned = true;
            var status = ReadPresignedQuery(query, out requestTime, out expires);
            if (status != SigV4Status.Verified)
            {
                return status;
            }
        }
        else
        {
            return SigV4Status.Missing;
        }

        // Credential: <key>/<YYYYMMDD>/<region>/<service>/aws4_request
        var credential = _params.AsSpan(_credentialStart, _credentialLength);
        int keyEnd = credential.IndexOf((byte)'/');
        if (keyEnd <= 0)
        {
            return SigV4Status.MalformedCredential;
        }

        var scope = credential[(keyEnd + 1)..];
        _scopeStart = _credentialStart + keyEnd + 1;
        int dateEnd = scope.IndexOf((byte)'/');
        int regionEnd = dateEnd < 0 ? -1 : scope[(dateEnd + 1)..].IndexOf((byte)'/');
        if (dateEnd != 8 || regionEnd < 0 || scope[..8].ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return SigV4Status.MalformedCredential;
        }

        regionEnd += dateEnd + 1;
        int serviceEnd = scope[(regionEnd + 1)..].IndexOf((byte)'/');
        if (serviceEnd < 0)
        {
            return SigV4Status.MalformedCredential;
        }

        serviceEnd += regionEnd + 1;
        var region = scope[(dateEnd + 1)..regionEnd];
        var service = scope[(regionEnd + 1)..serviceEnd];
        var terminator = scope[(serviceEnd + 1)..];
        if (!region.SequenceEqual(settings.Region))
        {
            if (region.Length is > 0 and <= 64 && !region.ContainsAnyExcept(Unreserved))
            {
                Message = Encoding.ASCII.GetBytes($"Credential should be scoped to a valid region, not '{Encoding.ASCII.GetString(region)}'.");
            }

            return SigV4Status.WrongRegion;
        }

        if (!service.SequenceEqual(settings.Service))
        {
            Message = Encoding.ASCII.GetBytes($"Credential should be scoped to correct service: '{Encoding.ASCII.GetString(settings.Service)}'.");
            return SigV4Status.WrongService;
        }

        if (!terminator.SequenceEqual("aws4_request"u8))
        {
            return SigV4Status.WrongTerminator;
        }

        if (!scope[..8].SequenceEqual(_amzDate.AsSpan(0, 8)))
        {
            return SigV4Status.ScopeDateMismatch;
        }

        if (!ListsHost(_params.AsSpan(_signedHeadersStart, _signedHeadersLength)))
        {
            return SigV4Status.HostNotSigned;
        }

        Credential = settings.Find(credential[..keyEnd]);
        if (Credential is null)
        {
            return SigV4Status.UnknownAccessKey;
        }

        if (_presigned)
        {
            if (requestTime - ClockSkewSeconds > nowUnixSeconds)
            {
                Message = NotYetCurrentMessage(requestTime, nowUnixSeconds);
                return SigV4Status.NotYetCurrent;
            }

            if (nowUnixSeconds > requestTime + expires)
            {
                return SigV4Status.PresignedExpired;
            }
        }
        else if (requestTime < nowUnixSeconds - ClockSkewSeconds)
        {
            Message = Encoding.ASCII.GetBytes(
                $"Signature expired: {IsoBasic(requestTime)} is now earlier than {IsoBasic(nowUnixSeconds - ClockSkewSeconds)} ({IsoBasic(nowUnixSeconds)} - 5 min.)");
            return SigV4Status.Expired;
        }
        else if (requestTime > nowUnixSeconds + ClockSkewSeconds)
        {
            Message = NotYetCurrentMessage(requestTime, nowUnixSeconds);
            return SigV4Status.NotYetCurrent;
        }

        var contentHash = Header(head, headers, "x-amz-content-sha256"u8);
        if (contentHash.IsEmpty)
        {
            Payload = SigV4Payload.Computed;
        }
        else if (contentHash.SequenceEqual(UnsignedPayload))
        {
            Payload = SigV4Payload.Unsigned;
        }
        else if (contentHash.StartsWith("STREAMING-"u8))
        {
            return SigV4Status.StreamingPayload;
        }
        else if (contentHash.Length == 64 && !contentHash.ContainsAnyExcept(LowerHex))
        {
            Payload = SigV4Payload.Claimed;
            contentHash.CopyTo(_claimed);
        }
        else
        {
            return SigV4Status.InvalidPayloadHash;
        }

        return SigV4Status.Verified;
    }

    /// <summary>Writes the hex SHA-256 of <paramref name="body"/> into <paramref name="hex"/> (64 bytes).</summary>
    public void HashPayload(in ReadOnlySequence<byte> body, Span<byte> hex)
    {
        foreach (var segment in body)
        {
            _sha.AppendData(segment.Span);
        }

        Span<byte> digest = stackalloc byte[32];
        _sha.GetHashAndReset(digest);
        WriteHexLower(digest, hex);
    }

    /// <summary>
    /// Both halves for a request whose whole body is at hand (tests, benchmarks): <see cref="Begin"/>, the payload
    /// hash as <see cref="Payload"/> says (a claimed hash checked against the body), then <see cref="Finish"/>.
    /// </summary>
    public SigV4Status Verify(IamSettings settings, ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers, ReadOnlySpan<byte> method, ReadOnlySpan<byte> path,
        ReadOnlySpan<byte> query, ReadOnlySpan<byte> body, long nowUnixSeconds)
    {
        var status = Begin(settings, head, headers, query, nowUnixSeconds);
        if (status != SigV4Status.Verified)
        {
            return status;
        }

        if (Payload == SigV4Payload.Unsigned)
        {
            return Finish(head, headers, method, path, query, UnsignedPayload);
        }

        Span<byte> hash = stackalloc byte[64];
        if (body.IsEmpty)
        {
            EmptyPayloadHash.CopyTo(hash);
        }
        else
        {
            _sha.AppendData(body);
            Span<byte> digest = stackalloc byte[32];
            _sha.GetHashAndReset(digest);
            WriteHexLower(digest, hash);
        }

        if (Payload == SigV4Payload.Claimed && !hash.SequenceEqual(_claimed))
        {
            return SigV4Status.PayloadHashMismatch;
        }

        return Finish(head, headers, method, path, query, hash);
    }
}
