using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Core.Caching;
using EdgeGw.Core.Model;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Caching;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Http1;

/// <summary>
/// The cache step of a request: key → lookup → (hit: one pre-encoded write) or (miss: wait for a fetch of the
/// same key already in flight, or fetch, relay and store). Only routes with a <see cref="RouteCachePolicy"/>
/// come here.
/// </summary>
internal sealed partial class Http1Connection
{
    private static readonly byte[] AuthorizationWarning = "199 - \"Cache-Control ignored: caller may not invalidate\""u8.ToArray();

    private byte[]? _cacheKey;
    private int _cacheKeyLength;
    private ResponseCapture? _capture;
    private bool _cacheWarning;

    private ReadOnlySpan<byte> CacheKey => _cacheKey.AsSpan(0, _cacheKeyLength);

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ServeCachedAsync(GatewaySnapshot snapshot, RouteModel route, HttpIntegrationModel http, RouteCachePolicy policy, ReadOnlyMemory<byte> head, SequencePosition headEnd, RouteMatch match)
    {
        var cache = _runtime.Cache;
        var settings = snapshot.Model.Cache;
        bool hasBody = _request.Body != BodyKind.None;
        BuildCacheKey(policy, head.Span, match.StagePrefixLength, out int pathOffset, out int pathLength);
        ulong hash = cache.Hash(CacheKey);

        bool refresh = false;
        _cacheWarning = false;
        if (ClientAsksRefresh(head.Span))
        {
            if (policy.CanInvalidate(HeaderValue(head.Span, "x-api-key"u8)))
            {
                refresh = true;
            }
            else if (policy.Unauthorized == UnauthorizedInvalidation.Fail)
            {
                _input.AdvanceTo(headEnd);
                return await WriteGatewayResponseAsync(403, close: hasBody).ConfigureAwait(false);
            }
            else
            {
                _cacheWarning = policy.Unauthorized == UnauthorizedInvalidation.IgnoreWithHeader;
            }
        }

        CacheFill? fill = null;
        if (refresh)
        {
            cache.CountMiss(hash);
        }
        else
        {
            var entry = cache.TryGet(CacheKey, hash);
            if (entry is null && settings.CoalesceTimeout > TimeSpan.Zero)
            {
                var role = cache.TryBeginFill(CacheKey, hash, out fill);
                if (role == FillRole.Follower)
                {
                    var completion = fill!.Completion;
                    fill = null;
                    // A timeout is an expected outcome here, not an error: wait without throwing, then look.
                    await ((Task)completion.WaitAsync(settings.CoalesceTimeout, _runtime.Time)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    entry = completion.IsCompletedSuccessfully ? completion.Result : null;
                }
                else if (role == FillRole.Alone)
                {
                    fill = null;
                }
            }

            if (entry is not null)
            {
                return await ServeCacheHitAsync(entry, headEnd, route.MaxBodyBytes).ConfigureAwait(false);
            }
        }

        // Miss: fetch, relaying to the client while capturing, then store.
        var capture = _capture ??= new ResponseCapture();
        capture.Begin(policy, hash, fill, settings.MaxEntryBytes, _request.Method == HttpMethod.Head);
        CacheEntry? fetched = null;
        try
        {
            bool keepAlive = await ForwardAsync(snapshot, route, http, head, headEnd, match).ConfigureAwait(false);
            if (capture.Storable && capture.Completed)
            {
                long now = cache.Now;
                long ttlTicks = (long)(capture.Ttl.TotalSeconds * _runtime.Time.TimestampFrequency);
                fetched = capture.ToEntry(CacheKey, pathOffset, pathLength, now, ttlTicks);
                if (fetched is not null)
                {
                    // Not admitted still means valid bytes: waiters for this fetch are served from them.
                    cache.TrySet(fetched);
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

            capture.Reset();
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ServeCacheHitAsync(CacheEntry entry, SequencePosition headEnd, long maxBodyBytes)
    {
        _input.AdvanceTo(headEnd);
        if (_request.Body != BodyKind.None)
        {
            var drained = await DrainBodyAsync(maxBodyBytes).ConfigureAwait(false);
            if (drained != BodyOutcome.Complete)
            {
                return await RespondToBodyFailureAsync(drained).ConfigureAwait(false);
            }
        }

        WriteCacheHit(entry);
        return await EndResponseAsync().ConfigureAwait(false);
    }

    private void WriteCacheHit(CacheEntry entry)
    {
        var writer = new BufferWriter<PipeWriter>(_output);
        writer.Write(entry.Head);
        long age = (_runtime.Cache.Now - entry.StoredTimestamp) / _runtime.Time.TimestampFrequency;
        writer.Write("Age: "u8);
        writer.WriteNumber(Math.Max(age, 0));
        writer.Write("\r\n"u8);
        WriteCacheHeaders(ref writer, hit: true);
        WriteCommonResponseHeaders(ref writer);
        writer.Write("\r\n"u8);
        if (_request.Method != HttpMethod.Head)
        {
            writer.Write(entry.Body);
        }

        writer.Commit();
    }

    private void WriteCacheHeaders(ref BufferWriter<PipeWriter> writer, bool hit)
    {
        var name = _runtime.Current.Model.Cache.StatusHeader;
        if (name.Length > 0)
        {
            writer.WriteHeader(name, hit ? "Hit"u8 : "Miss"u8);
        }

        if (_cacheWarning)
        {
            writer.WriteHeader("Warning"u8, AuthorizationWarning);
        }
    }

    private void BuildCacheKey(RouteCachePolicy policy, ReadOnlySpan<byte> head, int stagePrefixLength, out int pathOffset, out int pathLength)
    {
        int max = CacheKeyBuilder.MaxLength(policy, head.Length);
        if (_cacheKey is not null && _cacheKey.Length < max)
        {
            ArrayPool<byte>.Shared.Return(_cacheKey);
            _cacheKey = null;
        }

        _cacheKey ??= ArrayPool<byte>.Shared.Rent(max);
        var builder = new CacheKeyBuilder(_cacheKey);
        builder.Start(policy, _request.MethodToken(head), _request.Path(head)[stagePrefixLength..]);
        builder.AddQuery(policy, _request.Query(head));
        foreach (byte[] name in policy.KeyHeaders)
        {
            builder.BeginPart();
            foreach (ref readonly var entry in Headers)
            {
                if (entry.NameLength == name.Length && Ascii.EqualsIgnoreCase(entry.Name(head), name))
                {
                    builder.AddValue(entry.Value(head));
                }
            }
        }

        _cacheKeyLength = builder.Length;
        pathOffset = builder.PathOffset;
        pathLength = builder.PathLength;
    }

    /// <summary><c>Cache-Control: max-age=0</c> from the client asks for a fresh copy (AWS's invalidation request).</summary>
    private bool ClientAsksRefresh(ReadOnlySpan<byte> head)
    {
        foreach (ref readonly var entry in Headers)
        {
            if (entry.NameLength == 13 && Ascii.EqualsIgnoreCase(entry.Name(head), "cache-control"u8))
            {
                foreach (var directive in new FieldListEnumerator(entry.Value(head)))
                {
                    if (Ascii.EqualsIgnoreCase(directive, "max-age=0"u8))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private ReadOnlySpan<byte> HeaderValue(ReadOnlySpan<byte> head, ReadOnlySpan<byte> lowerName)
    {
        foreach (ref readonly var entry in Headers)
        {
            if (entry.NameLength == lowerName.Length && Ascii.EqualsIgnoreCase(entry.Name(head), lowerName))
            {
                return entry.Value(head);
            }
        }

        return default;
    }

    /// <summary>
    /// Decides from the upstream head whether the response may be stored, and for how long: status on the
    /// route's list; no <c>no-store</c>, <c>private</c> or <c>no-cache</c>; no <c>Set-Cookie</c> unless the
    /// route allows it; no <c>Vary: *</c>; <c>s-maxage</c> (else <c>max-age</c>) shortens the TTL.
    /// </summary>
    private void DecideStorable(ResponseCapture capture, ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers)
    {
        var policy = capture.Policy!;
        bool storable = policy.IsCacheableStatus(_response.StatusCode);
        long maxAge = -1;
        long sharedMaxAge = -1;
        foreach (ref readonly var entry in headers)
        {
            var name = entry.Name(head);
            if (name.Length == 13 && Ascii.EqualsIgnoreCase(name, "cache-control"u8))
            {
                foreach (var directive in new FieldListEnumerator(entry.Value(head)))
                {
                    if (Ascii.EqualsIgnoreCase(directive, "no-store"u8) || Ascii.EqualsIgnoreCase(directive, "no-cache"u8)
                        || Ascii.EqualsIgnoreCase(directive, "private"u8) || directive.StartsWith("private="u8) || directive.StartsWith("no-cache="u8))
                    {
                        storable = false;
                    }
                    else if (TryDirectiveSeconds(directive, "max-age="u8, out long seconds))
                    {
                        maxAge = seconds;
                    }
                    else if (TryDirectiveSeconds(directive, "s-maxage="u8, out seconds))
                    {
                        sharedMaxAge = seconds;
                    }
                }
            }
            else if (name.Length == 10 && Ascii.EqualsIgnoreCase(name, "set-cookie"u8))
            {
                storable &= policy.CacheSetCookie;
            }
            else if (name.Length == 4 && Ascii.EqualsIgnoreCase(name, "vary"u8) && entry.Value(head).Contains((byte)'*'))
            {
                storable = false;
            }
        }

        long limit = sharedMaxAge >= 0 ? sharedMaxAge : maxAge;
        var ttl = policy.Ttl;
        if (limit >= 0 && limit < ttl.TotalSeconds)
        {
            ttl = TimeSpan.FromSeconds(limit);
        }

        capture.Storable = storable && ttl > TimeSpan.Zero;
        capture.Ttl = ttl;
        // HEAD answers keep the upstream's Content-Length (it describes the GET body); 204 has none.
        capture.OmitContentLength = capture.IsHeadRequest || _response.StatusCode is 204 or 304;
    }

    private static bool TryDirectiveSeconds(ReadOnlySpan<byte> directive, ReadOnlySpan<byte> prefix, out long seconds)
    {
        seconds = 0;
        if (directive.Length <= prefix.Length || !Ascii.EqualsIgnoreCase(directive[..prefix.Length], prefix))
        {
            return false;
        }

        var value = directive[prefix.Length..].Trim((byte)'"');
        // An unparsable or huge value is treated as 0: never store longer than the upstream may have meant.
        if (!Utf8Parser.TryParse(value, out seconds, out int consumed) || consumed != value.Length || seconds < 0)
        {
            seconds = 0;
        }

        return true;
    }

    private void ReturnCacheKey()
    {
        if (_cacheKey is not null)
        {
            ArrayPool<byte>.Shared.Return(_cacheKey);
            _cacheKey = null;
        }
    }
}
