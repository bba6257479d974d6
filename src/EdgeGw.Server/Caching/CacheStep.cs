using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Core.Caching;
using EdgeGw.Core.Model;
using EdgeGw.Core.Observability;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Forwarding;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Caching;

/// <summary>
/// The cache step of a request: key → lookup → (hit: one pre-encoded write) or (miss: wait for a fetch of the
/// same key already in flight, or fetch through the <see cref="Forwarder"/>, relaying while this step observes
/// the response, then store). Only routes with a <see cref="RouteCachePolicy"/> come here; one per client
/// connection, created on its first cached request.
/// </summary>
internal sealed class CacheStep : IResponseObserver
{
    private static readonly byte[] AuthorizationWarning = "199 - \"Cache-Control ignored: caller may not invalidate\""u8.ToArray();

    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly RequestBodyReader _body;
    private readonly ResponseCapture _capture = new();
    private byte[]? _key;
    private int _keyLength;
    private bool _warning;

    public CacheStep(ClientConnection connection, ClientRequest request, ClientResponder responder, RequestBodyReader body)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
        _body = body;
    }

    private ReadOnlySpan<byte> Key => _key.AsSpan(0, _keyLength);

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ServeAsync(GatewaySnapshot snapshot, RouteModel route, HttpIntegrationModel http, RouteCachePolicy policy, RouteMatch match, Forwarder forwarder)
    {
        var runtime = _connection.Runtime;
        var cache = runtime.Cache;
        var settings = snapshot.Model.Cache;
        BuildKey(policy, match.StagePrefixLength, out int pathOffset, out int pathLength);
        ulong hash = cache.Hash(Key);

        bool refresh = false;
        _warning = false;
        if (CacheStorability.ClientAsksRefresh(_request.Span, _request.Headers))
        {
            if (policy.CanInvalidate(_request.HeaderValue("x-api-key"u8)))
            {
                refresh = true;
            }
            else if (policy.Unauthorized == UnauthorizedInvalidation.Fail)
            {
                _request.ConsumeHead();
                return await _responder.GatewayResponseAsync(403, close: _request.HasBody).ConfigureAwait(false);
            }
            else
            {
                _warning = policy.Unauthorized == UnauthorizedInvalidation.IgnoreWithHeader;
            }
        }

        CacheFill? fill = null;
        if (refresh)
        {
            cache.CountMiss(hash);
            // Global mode: every other instance drops its copy too (AWS invalidates the entry, not one node's).
            runtime.Cluster?.Publish(ClusterMessages.CacheEntry, Key);
        }
        else
        {
            var entry = cache.TryGet(Key, hash);
            if (entry is null && settings.CoalesceTimeout > TimeSpan.Zero)
            {
                var role = cache.TryBeginFill(Key, hash, out fill);
                if (role == FillRole.Follower)
                {
                    var completion = fill!.Completion;
                    fill = null;
                    // A timeout is an expected outcome here, not an error: wait without throwing, then look.
                    await ((Task)completion.WaitAsync(settings.CoalesceTimeout, runtime.Time)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    entry = completion.IsCompletedSuccessfully ? completion.Result : null;
                }
                else if (role == FillRole.Alone)
                {
                    fill = null;
                }
            }

            if (entry is not null)
            {
                _connection.ExecutionLog?.Write("Cache: hit (the integration is not called)");
                return await ServeHitAsync(entry, route.MaxBodyBytes).ConfigureAwait(false);
            }
        }

        _connection.ExecutionLog?.Write(refresh ? "Cache: refresh asked by the client (Cache-Control: max-age=0), fetching" : "Cache: miss, fetching");
        _request.Record.Cache = CacheResult.Miss;

        // Miss: fetch, relaying to the client while capturing, then store.
        _capture.Begin(policy, hash, fill, settings.MaxEntryBytes, _request.IsHead);
        CacheEntry? fetched = null;
        try
        {
            bool keepAlive = await forwarder.ForwardAsync(snapshot, route, http, match, this).ConfigureAwait(false);
            if (_capture.Oversized)
            {
                cache.CountRejected();
            }
            else if (_capture.Storable && _capture.Completed)
            {
                long now = cache.Now;
                long ttlTicks = (long)(_capture.Ttl.TotalSeconds * runtime.Time.TimestampFrequency);
                fetched = _capture.ToEntry(Key, pathOffset, pathLength, now, ttlTicks);
                if (fetched is not null)
                {
                    // Not admitted still means valid bytes: waiters for this fetch are served from them.
                    bool stored = cache.TrySet(fetched);
                    _connection.ExecutionLog?.Write(stored ? $"Cache: response stored for {_capture.Ttl.TotalSeconds:0} s" : "Cache: response not admitted to the cache");
                }
            }

            return keepAlive;
        }
        finally
        {
            if (fill is not null)
            {
                cache.CompleteFill(fill, fetched);
            }

            _capture.Reset();
        }
    }

    /// <summary>The pooled key buffer back (the request ended).</summary>
    public void ReturnBuffers()
    {
        if (_key is not null)
        {
            ArrayPool<byte>.Shared.Return(_key);
            _key = null;
        }
    }

    void IResponseObserver.OnResponseHead(UpstreamResponse response)
    {
        var capture = _capture;
        capture.Storable = CacheStorability.Decide(capture.Policy!, response.Head.StatusCode, response.Span, response.Headers, out var ttl);
        capture.Ttl = ttl;
        // HEAD answers keep the upstream's Content-Length (it describes the GET body); 204 has none.
        capture.OmitContentLength = capture.IsHeadRequest || response.Head.StatusCode is 204 or 304;
        if (capture.Storable)
        {
            CaptureHead(response);
        }
    }

    void IResponseObserver.WriteResponseHeaders(ref BufferWriter<PipeWriter> writer) => WriteCacheHeaders(ref writer, hit: false);

    void IBodyObserver.OnBodyData(in ReadOnlySequence<byte> data) => _capture.AppendBody(data);

    void IResponseObserver.OnResponseEnd(bool complete) => _capture.Completed = complete;

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ServeHitAsync(CacheEntry entry, long maxBodyBytes)
    {
        _request.ConsumeHead();
        if (_request.HasBody)
        {
            var drained = await _body.DrainAsync(maxBodyBytes).ConfigureAwait(false);
            if (drained != BodyOutcome.Complete)
            {
                return await _responder.BodyFailureAsync(drained).ConfigureAwait(false);
            }
        }

        WriteHit(entry);
        return await _responder.EndResponseAsync().ConfigureAwait(false);
    }

    private void WriteHit(CacheEntry entry)
    {
        var runtime = _connection.Runtime;
        ref var record = ref _request.Record;
        record.Cache = CacheResult.Hit;
        var head = entry.Head;
        record.Status = StoredHead.Status(head);
        record.ResponseLength = _request.IsHead ? 0 : entry.Body.Length;
        // The entry holds the backend's head as it came: the route's responseParameters apply to a hit as to a miss.
        var mapping = record.Route?.Integration is HttpIntegrationModel { ResponseMapping: { } responseMapping } ? responseMapping.Find(record.Status) : null;
        if (mapping is { NewStatus: > 0 })
        {
            record.Status = mapping.NewStatus;
        }

        var writer = new BufferWriter<PipeWriter>(_responder.Output);
        // The route compresses: the stored (identity) body compressed once per coding, or Vary only.
        var body = _request.Compression is { } compression ? compression.WriteCachedHead(ref writer, entry, mapping) : entry.Body;
        if (_request.Compression is null)
        {
            if (mapping is null)
            {
                writer.Write(head);
            }
            else
            {
                ParameterMapping.ResponseHeadMapper.WriteMappedHead(ref writer, head, mapping);
            }
        }

        if (mapping is not null)
        {
            ParameterMapping.ResponseHeadMapper.WriteHeaders(ref writer, head, mapping, record);
        }

        long age = (runtime.Cache.Now - entry.StoredTimestamp) / runtime.Time.TimestampFrequency;
        writer.Write("Age: "u8);
        writer.WriteNumber(Math.Max(age, 0));
        writer.Write("\r\n"u8);
        WriteCacheHeaders(ref writer, hit: true);
        _responder.WriteCommonHeaders(ref writer);
        writer.Write("\r\n"u8);
        if (!_request.IsHead)
        {
            writer.Write(body);
        }

        writer.Commit();
    }

    private void WriteCacheHeaders(ref BufferWriter<PipeWriter> writer, bool hit)
    {
        var name = _connection.Runtime.Current.Model.Cache.StatusHeader;
        if (name.Length > 0)
        {
            writer.WriteHeader(name, hit ? "Hit"u8 : "Miss"u8);
        }

        if (_warning)
        {
            writer.WriteHeader("Warning"u8, AuthorizationWarning);
        }
    }

    /// <summary>The head as a cache hit will replay it: same status line and end-to-end headers, no framing or Age.</summary>
    private void CaptureHead(UpstreamResponse response)
    {
        var capture = _capture;
        var head = response.Span;
        var headers = response.Headers;
        var store = new BufferWriter<ResponseCapture>(capture);
        response.WriteStatusLine(ref store);

        bool hasDate = false;
        foreach (ref readonly var entry in headers)
        {
            if (KnownHeaders.IsHopByHop(entry.Known) || entry.Known == KnownHeader.XRequestId
                || (entry.Known == KnownHeader.ContentLength && !capture.IsHeadRequest))
            {
                continue;
            }

            var name = entry.Name(head);
            if ((name.Length == 3 && Ascii.EqualsIgnoreCase(name, "age"u8))
                || (_request.Cors is not null && EdgeGw.Core.Cors.CorsPolicy.IsCorsHeader(name))
                || (response.Head.HasConnectionOptions && ConnectionOptions.Names(head, headers, name)))
            {
                continue;
            }

            hasDate |= entry.IsDate;
            store.WriteHeader(name, entry.Value(head));
        }

        if (!hasDate)
        {
            // The date the response was generated; a hit adds Age to it, as a shared HTTP cache does.
            store.Write(_connection.Runtime.Date.Line);
        }

        store.Commit();
        capture.EndHead();
    }

    private void BuildKey(RouteCachePolicy policy, int stagePrefixLength, out int pathOffset, out int pathLength)
    {
        var head = _request.Span;
        int max = CacheKeyBuilder.MaxLength(policy, head.Length);
        if (_key is not null && _key.Length < max)
        {
            ArrayPool<byte>.Shared.Return(_key);
            _key = null;
        }

        _key ??= ArrayPool<byte>.Shared.Rent(max);
        var builder = new CacheKeyBuilder(_key);
        builder.Start(policy, _request.Head.MethodToken(head), _request.Head.Path(head)[stagePrefixLength..]);
        builder.AddQuery(policy, _request.Head.Query(head));
        foreach (byte[] name in policy.KeyHeaders)
        {
            builder.BeginPart();
            foreach (ref readonly var entry in _request.Headers)
            {
                if (entry.NameLength == name.Length && Ascii.EqualsIgnoreCase(entry.Name(head), name))
                {
                    builder.AddValue(entry.Value(head));
                }
            }
        }

        _keyLength = builder.Length;
        pathOffset = builder.PathOffset;
        pathLength = builder.PathLength;
    }
}
