using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using EdgeGw.Core.Observability;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Http1;

/// <summary>
/// The request being served on a client connection: its head as read and parsed, its header table and its
/// request id. The connection fills it once per request; the steps read it. Per-request tables go back to
/// their pools when the request ends, so an idle keep-alive connection holds none.
/// </summary>
internal sealed class ClientRequest
{
    private static readonly SearchValues<byte> IdCharacters =
        SearchValues.Create("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:"u8);

    /// <summary>The access log's copies of request text (2 KB each), for requests in flight only.</summary>
    private static readonly EdgeGw.Protocols.Buffers.BoundedArrayPool<byte> RecordTexts = new(RequestRecord.TextCapacity, capacity: 4096);

    private readonly PipeReader _input;
    private readonly byte[] _peerAddress;
    private ReadOnlyMemory<byte> _clientAddress;
    private readonly byte[] _requestId = new byte[64];
    private int _requestIdLength;
    private HeaderEntry[]? _headers;
    private int _headerCount;
    private bool _headConsumed;
    private ReadOnlySequence<byte> _bufferedBody;
    private byte[]? _recordText;

    /// <summary>The head reader of the client direction (its copy buffer is reused across requests).</summary>
    public HeadReader Reader;

    /// <summary>The parsed request line and framing.</summary>
    public RequestHead Head;

    /// <summary>
    /// The outcome of this request as the steps record it (status, times, route, integration, errors), for the
    /// access log the connection loop writes after the response. See <see cref="RequestRecord"/>.
    /// </summary>
    public RequestRecord Record;

    /// <summary>The access log sinks of the snapshot this request was routed on (set with <see cref="BeginRecord"/>).</summary>
    public AccessLogging.AccessLogSink[] RecordSinks = [];
    /// <summary>The per-route metrics of the snapshot this request was routed on, by route ordinal (set with <see cref="BeginRecord"/>).</summary>
    public Core.Observability.RouteMetrics[] RecordMetrics = [];
    /// <summary>This request's response compression (negotiated Accept-Encoding); null when its route compresses nothing.</summary>
    public Compression.ResponseCompressor? Compression;

    /// <summary>
    /// Header name prefixes of the mutual TLS domains (default when none has one): a header the client sent that
    /// starts with one is not forwarded, whatever listener or route the request came by. Set per request, from the
    /// snapshot it runs on.
    /// </summary>
    public System.Collections.Immutable.ImmutableArray<byte[]> ClientCertificateHeaderPrefixes { get; private set; }

    /// <summary>The connection's verified client certificate as header lines for the backend (mutual TLS); null without one.</summary>
    public byte[]? ClientCertificateHeaders { get; set; }

    /// <summary>The connection's verified client certificate for the access log (<c>$context.identity.clientCert.*</c>).</summary>
    public EdgeGw.Core.Tls.ClientCertificateIdentity? ClientCertificate { get; set; }

    /// <summary>Whether a client header <paramref name="name"/> starts with a mutual TLS prefix (ASCII case-insensitive): only the gateway sets those.</summary>
    public bool IsClientCertificateHeader(ReadOnlySpan<byte> name)
    {
        if (ClientCertificateHeaderPrefixes.IsDefault)
        {
            return false;
        }

        foreach (var prefix in ClientCertificateHeaderPrefixes)
        {
            if (name.Length >= prefix.Length && System.Text.Ascii.EqualsIgnoreCase(name[..prefix.Length], prefix))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a client header <paramref name="name"/> starts with a prefix of the route's API's authorizers: only the gateway sets those.</summary>
    public bool IsAuthorizerHeader(ReadOnlySpan<byte> name)
    {
        if (Record.Route?.AuthorizerHeaderPrefixes is not { } prefixes)
        {
            return false;
        }

        foreach (var prefix in prefixes)
        {
            if (name.Length >= prefix.Length && System.Text.Ascii.EqualsIgnoreCase(name[..prefix.Length], prefix))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The API's gateway responses for this request (its route's, or an unmatched request's host's); null: built-in answers.</summary>
    public EdgeGw.Core.GatewayResponses.GatewayResponseSet? GatewayResponses;

    /// <summary>The CORS headers this request's response carries (set by the CORS step); null when its API has no <c>cors</c>.</summary>
    public Cors.CorsResponseHeaders? Cors;

    public ClientRequest(PipeReader input, byte[] peerAddress)
    {
        _input = input;
        _peerAddress = peerAddress;
        _clientAddress = peerAddress;
    }

    /// <summary>
    /// The client's IP address as ASCII, for throttles per client, X-Forwarded-For and WebSocket's sourceIp: the
    /// connection's peer (after the PROXY protocol), or with <c>server.trustedProxies</c> the client a trusted
    /// peer's X-Forwarded-For names.
    /// </summary>
    public ReadOnlySpan<byte> ClientAddress => _clientAddress.Span;

    /// <summary>
    /// The X-Forwarded-For lines toward the backend: those before this header index whole, the one at it cut to
    /// <see cref="ForwardedForKeepLength"/> bytes, none after (int.MaxValue: all, the client being the peer).
    /// </summary>
    public int ForwardedForCutIndex { get; private set; } = int.MaxValue;

    public int ForwardedForKeepLength { get; private set; }

    /// <summary>The client came from X-Forwarded-For (<see cref="ClientAddresses.ForwardedClientStep"/>).</summary>
    public void SetForwardedClient(ReadOnlyMemory<byte> address, int cutIndex, int keepLength)
    {
        _clientAddress = address;
        ForwardedForCutIndex = cutIndex;
        ForwardedForKeepLength = keepLength;
    }

    /// <summary>The head's bytes; valid until <see cref="ConsumeHead"/>.</summary>
    public ReadOnlyMemory<byte> Bytes => Reader.Head;

    public ReadOnlySpan<byte> Span => Reader.Head.Span;

    public ReadOnlySpan<HeaderEntry> Headers => new(_headers, 0, _headerCount);

    public ReadOnlySpan<byte> RequestId => _requestId.AsSpan(0, _requestIdLength);

    public bool HasRequestId => _requestIdLength > 0;

    public bool HasBody => Head.Body != BodyKind.None;

    public bool IsHead => Head.Method == HttpMethod.Head;

    /// <summary>The body <see cref="RequestBodyBuffer"/> read into the input pipe; valid until <see cref="ConsumeHead"/>.</summary>
    public ReadOnlySequence<byte> BufferedBody => _headConsumed ? default : _bufferedBody;

    /// <summary>The body was read ahead (<see cref="RequestBodyBuffer"/>): a second step reads it from <see cref="BufferedBody"/>.</summary>
    public bool BodyBuffered { get; private set; }

    public void SetBufferedBody(ReadOnlySequence<byte> body)
    {
        _bufferedBody = body;
        BodyBuffered = true;
    }

    /// <summary>Starts the next request.</summary>
    public void Reset()
    {
        _bufferedBody = default;
        BodyBuffered = false;
        Reader.Reset();
        Head = default;
        _requestIdLength = 0;
        _headerCount = 0;
        _headConsumed = false;
        Record.AccessLog = null;
        // No record until the next head is complete (a connection closed while waiting records nothing).
        Record.Started = false;
        Compression = null;
        GatewayResponses = null;
        Cors = null;
        if (ForwardedForCutIndex != int.MaxValue)
        {
            _clientAddress = _peerAddress;
            ForwardedForCutIndex = int.MaxValue;
        }
    }

    /// <summary>Parses the head the reader completed into the header table (rented now, for this request only).</summary>
    public HttpParseError Parse(int maxHeaders)
    {
        if (_headers is not null && _headers.Length < maxHeaders)
        {
            HeaderTables.Return(_headers);
            _headers = null;
        }

        _headers ??= HeaderTables.Rent(maxHeaders);
        var collector = new HeaderCollector(_headers);
        var error = Reader.ParseRequest(ref collector, out Head);
        _headerCount = collector.Count;
        return error;
    }

    /// <summary>Gives the head's bytes back to the pipe (once; later calls do nothing). The head is unreadable after.</summary>
    public void ConsumeHead()
    {
        if (!_headConsumed)
        {
            _headConsumed = true;
            _input.AdvanceTo(Reader.HeadEnd);
        }
    }

    /// <summary>The first value of a header, by its lower-case name; empty when absent.</summary>
    public ReadOnlySpan<byte> HeaderValue(ReadOnlySpan<byte> lowerName)
    {
        var head = Span;
        foreach (ref readonly var entry in Headers)
        {
            if (entry.NameLength == lowerName.Length && Ascii.EqualsIgnoreCase(entry.Name(head), lowerName))
            {
                return entry.Value(head);
            }
        }

        return default;
    }

    /// <summary>Keeps the client's X-Request-Id when it sent a sane one, else generates one.</summary>
    public void CaptureRequestId()
    {
        var head = Span;
        foreach (ref readonly var entry in Headers)
        {
            if (entry.Known == KnownHeader.XRequestId && entry.ValueLength is > 0 and <= 64)
            {
                var value = entry.Value(head);
                if (!value.ContainsAnyExcept(IdCharacters))
                {
                    value.CopyTo(_requestId);
                    _requestIdLength = value.Length;
                    return;
                }
            }
        }

        _requestIdLength = RequestIdGenerator.Next(_requestId);
    }

    /// <summary>No request id on the answer (a head that could not be parsed has none).</summary>
    public void ClearRequestId() => _requestIdLength = 0;

    /// <summary>
    /// Starts the record of a request whose head is complete. When <paramref name="snapshot"/> logs anything, the
    /// record gets the clock readings and a pooled text buffer; without access logs this is a few stores.
    /// </summary>
    public void BeginRecord(GatewaySnapshot snapshot, TimeProvider time)
    {
        ClientCertificateHeaderPrefixes = snapshot.Model.Server.Tls?.MutualTls?.HeaderPrefixes ?? default;
        RecordSinks = snapshot.AccessLogs;
        RecordMetrics = snapshot.RouteMetrics;
        // Gateway response templates and parameter mapping read the same text ($context.requestId, path, ...) as the access log.
        if (snapshot.AccessLogs.Length == 0 && !snapshot.Model.HasGatewayResponses && !snapshot.Model.HasParameterMapping)
        {
            // Metrics need the start: the loop's clock (on an epoll loop the reading its last epoll_wait took, so
            // no clock read per request; resolution one batch of events), no wall-clock time, no text.
            Record.Begin(EdgeGw.Transport.LoopClock.Now(time), time.TimestampFrequency, 0, null);
            return;
        }

        _recordText ??= RecordTexts.Rent(RequestRecord.TextCapacity);
        Record.Begin(time.GetTimestamp(), time.TimestampFrequency, time.GetUtcNow().ToUnixTimeMilliseconds(), _recordText);
        Record.AccessLog = snapshot.Model.AccessLog;
        Record.ClientCertificate = ClientCertificate;
    }

    /// <summary>Copies what the access log reads from the parsed head (it goes back to the pipe before the response ends).</summary>
    public void CaptureRecordText(ReadOnlySpan<byte> address)
    {
        ref var record = ref Record;
        if (record.Text is null)
        {
            return;
        }

        var head = Span;
        record.Method = Head.Method;
        record.Version = Head.Version;
        record.RequestId = record.Copy(RequestId, RequestRecord.MaxIdBytes);
        record.SourceIp = record.Copy(address, RequestRecord.MaxIdBytes);
        record.MethodToken = record.Copy(Head.MethodToken(head), RequestRecord.MaxMethodBytes);
        record.Path = record.Copy(Head.Path(head), RequestRecord.MaxPathBytes);
        record.Host = record.Copy(Head.Authority(head), RequestRecord.MaxHostBytes);
        record.UserAgent = record.Copy(HeaderValue("user-agent"u8), RequestRecord.MaxUserAgentBytes);
    }

    /// <summary>Per-request tables back to their pools (the request ended, or the connection became a tunnel).</summary>
    public void ReturnBuffers()
    {
        if (_recordText is not null)
        {
            Record.Text = null;
            RecordTexts.Return(_recordText);
            _recordText = null;
        }

        if (_headers is not null)
        {
            HeaderTables.Return(_headers);
            _headers = null;
            _headerCount = 0;
        }

        Reader.ReturnBuffer();
    }
}
