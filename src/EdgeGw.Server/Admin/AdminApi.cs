using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGw.Core.Caching;
using EdgeGw.Protocols.Proxy;
using EdgeGw.Server.ProxyProtocol;
using EdgeGw.Transport;

namespace EdgeGw.Server.Admin;

/// <summary>
/// The operator endpoints, on a separate listener (loopback by default):
/// <list type="bullet">
/// <item><c>GET /health</c>, <c>GET /ready</c>, <c>GET /config</c>, <c>GET /routes</c>, <c>GET /clusters</c> — see <c>AdminApi.Status.cs</c>.</item>
/// <item><c>GET /metrics</c> — Prometheus text (OpenMetrics when Accept asks): the transport, connections, per-route requests and latency histograms (<c>Metrics/MetricsExposition</c>), cache and WebSocket counters.</item>
/// <item><c>GET /cache</c> — cache statistics as JSON.</item>
/// <item><c>DELETE /cache</c> — flush everything.</item>
/// <item><c>DELETE /cache/{api}/{stage}</c> — flush a stage; with <c>?path=/items/1</c> only that path (as sent, relative to the stage).</item>
/// <item><c>GET /cluster</c> — the live instances sharing this one's Redis (global mode).</item>
/// <item><c>GET|POST /deployments</c>, <c>POST /stages/{api}/{stage}/rollback?to=N</c>, <c>POST /stages/{api}/{stage}/canary/promote</c>, <c>DELETE /stages/{api}/{stage}/canary</c> — see <c>AdminApi.Deployments.cs</c>.</item>
/// <item><c>POST|GET|DELETE /@connections/{id}</c> (also under a <c>/{stage}</c> or <c>/{api}/{stage}</c> prefix) — AWS's management API for WebSocket connections; see <c>AdminApi.Connections.cs</c>.</item>
/// <item><c>GET|POST /apikeys</c>, <c>DELETE /apikeys/{id}</c>, <c>POST /apikeys/{id}/enable|disable</c>; <c>GET /apikeys/{id}/usage[?from=&amp;to=]</c>, <c>POST /apikeys/{id}/usage/reset</c> — see <c>AdminApi.Usage.cs</c>.</item>
/// </list>
/// </summary>
internal sealed partial class AdminApi(GatewayRuntime runtime)
{
    public AdminResponse Handle(AdminRequest request)
    {
        string[] segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 1 && Status(segments[0]) is { } status)
        {
            return request.Method is "GET" or "HEAD" ? status() : NotAllowed();
        }

        if (segments.Length == 1 && segments[0] == "metrics")
        {
            return request.Method is "GET" or "HEAD" ? MetricsPage(request.OpenMetrics) : NotAllowed();
        }

        if (segments.Length >= 1 && segments[0] == "cache")
        {
            return Cache(request, segments);
        }

        if (segments.Length >= 1 && segments[0] == "apikeys")
        {
            return ApiKeys(request, segments);
        }

        if (segments.Length >= 1 && segments[0] == "deployments" && !TryConnectionPath(segments, out _))
        {
            return Deployments(request, segments);
        }

        if (segments.Length >= 1 && segments[0] == "stages" && !TryConnectionPath(segments, out _))
        {
            return Stages(request, segments);
        }

        if (TryConnectionPath(segments, out string connectionId))
        {
            return LocalConnection(runtime.WebSockets, request.Method, connectionId, request.Body);
        }

        return AdminResponse.Error(404, "no such admin endpoint (see README: /health, /ready, /config, /routes, /clusters, /cluster, /metrics, /cache, /apikeys, /deployments, /stages/{api}/{stage}, /@connections/{id})");
    }

    private sealed record CreateKeyRequest(string? Id, string[]? UsagePlans);

    private AdminResponse ApiKeys(AdminRequest request, string[] segments)
    {
        var access = runtime.Access;
        if (segments.Length == 1)
        {
            switch (request.Method)
            {
                case "GET":
                    return AdminResponse.Json(200, access.ListKeys().Select(k => new
                    {
                        id = k.Key.Id,
                        enabled = k.Enabled,
                        usagePlans = k.Key.UsagePlans,
                        source = k.FromConfig ? "config" : "admin",
                    }));
                case "POST":
                    CreateKeyRequest? body;
                    try
                    {
                        body = request.Body is { Length: > 0 } ? JsonSerializer.Deserialize<CreateKeyRequest>(request.Body, AdminJson.Options) : new CreateKeyRequest(null, null);
                    }
                    catch (JsonException ex)
                    {
                        return AdminResponse.Error(400, $"invalid JSON: {ex.Message}");
                    }

                    var created = access.CreateKey(body?.Id, [.. body?.UsagePlans ?? []], out string? error);
                    if (created is not { } key)
                    {
                        return AdminResponse.Error(error!.Contains("exists", StringComparison.Ordinal) ? 409 : 400, error);
                    }

                    // The only time the plain key is shown: it is kept as a SHA-256 digest.
                    return AdminResponse.Json(201, new { id = key.Key.Id, value = key.PlainKey, usagePlans = key.Key.UsagePlans });
                default:
                    return NotAllowed();
            }
        }

        string id = Uri.UnescapeDataString(segments[1]);
        if (segments.Length == 2)
        {
            if (request.Method != "DELETE")
            {
                return NotAllowed();
            }

            if (access.DeleteKey(id, out bool fromConfig))
            {
                return AdminResponse.Json(200, new { deleted = id });
            }

            return fromConfig
                ? AdminResponse.Error(409, $"key '{id}' comes from the configuration file; remove it there")
                : AdminResponse.Error(404, $"no key '{id}'");
        }

        if (segments.Length == 3 && segments[2] is "enable" or "disable")
        {
            if (request.Method != "POST")
            {
                return NotAllowed();
            }

            return access.SetEnabled(id, segments[2] == "enable")
                ? AdminResponse.Json(200, new { id, enabled = segments[2] == "enable" })
                : AdminResponse.Error(404, $"no key '{id}'");
        }

        return AdminResponse.Error(404, "use /apikeys, /apikeys/{id}, /apikeys/{id}/enable|disable|usage|usage/reset");
    }

    private AdminResponse Cache(AdminRequest request, string[] segments)
    {
        var cache = runtime.Cache;
        if (segments.Length == 1)
        {
            return request.Method switch
            {
                "GET" or "HEAD" => AdminResponse.Json(200, cache.Statistics),
                "DELETE" => AdminResponse.Json(200, new { flushed = FlushEverywhere(cache) }),
                _ => NotAllowed(),
            };
        }

        if (segments.Length != 3)
        {
            return AdminResponse.Error(404, "use /cache or /cache/{api}/{stage}");
        }

        if (request.Method != "DELETE")
        {
            return NotAllowed();
        }

        string api = Uri.UnescapeDataString(segments[1]);
        string stage = Uri.UnescapeDataString(segments[2]);
        if (!StageExists(api, stage))
        {
            return AdminResponse.Error(404, $"API '{api}' has no stage '{stage}'");
        }

        var prefix = RouteCachePolicy.StagePrefix(api, stage);
        string? path = QueryValue(request.Query, "path");
        byte[] pathBytes = path is null ? [] : Encoding.UTF8.GetBytes(path);
        int flushed = cache.RemoveWhere(prefix, pathBytes, matchPath: path is not null);
        runtime.Cluster?.Publish(ClusterMessages.CacheStage, ClusterMessages.StageFlush(prefix, pathBytes, path is not null));
        return AdminResponse.Json(200, new { flushed });
    }

    /// <summary>Flushes this instance's cache and (global mode) asks every other instance to flush theirs.</summary>
    private int FlushEverywhere(ResponseCache cache)
    {
        int flushed = cache.Clear();
        runtime.Cluster?.Publish(ClusterMessages.CacheClear, []);
        return flushed;
    }

    /// <summary>
    /// The endpoints that may wait (for Redis, or for another instance): usage, @connections of a connection held
    /// elsewhere, and <c>GET /cluster</c>, the live instances (global mode: from Redis's membership list; else
    /// this one alone); everything else is <see cref="Handle"/>.
    /// </summary>
    public async ValueTask<AdminResponse> HandleAsync(AdminRequest request)
    {
        if (runtime.ConnectionRelay is { } relay && request.Path.Contains("/@connections/", StringComparison.Ordinal)
            && TryConnectionPath(request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries), out string connectionId)
            && !runtime.WebSockets.TryGet(connectionId, out _) && relay.IsRemote(connectionId, out int tag))
        {
            return await relay.ForwardAsync(tag, request.Method, connectionId, request.Body ?? []).ConfigureAwait(false);
        }

        if (request.Path.StartsWith("/apikeys/", StringComparison.Ordinal) && IsUsagePath(request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries), out string keyId, out bool reset))
        {
            return await UsageAsync(request, keyId, reset).ConfigureAwait(false);
        }

        if (request.Path.TrimEnd('/') != "/cluster")
        {
            return Handle(request);
        }

        if (request.Method is not ("GET" or "HEAD"))
        {
            return NotAllowed();
        }

        if (runtime.Cluster is not { } cluster)
        {
            var listeners = runtime.Listeners;
            return AdminResponse.Json(200, new
            {
                mode = "local",
                self = (string?)null,
                instances = new[] { new { id = (string?)null, addresses = listeners?.Gateway.Select(u => u.ToString()) ?? [], admin = listeners?.Admin.Select(u => u.ToString()) ?? [], version = Core.Cluster.ClusterNode.Version } },
            });
        }

        IReadOnlyList<Core.Cluster.ClusterMember> members;
        try
        {
            members = await cluster.ListAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return AdminResponse.Error(503, $"redis unreachable: {ex.Message}");
        }

        return AdminResponse.Json(200, new
        {
            mode = "global",
            self = cluster.Id,
            instances = members.Select(m => new
            {
                id = m.Id,
                addresses = m.Info?.Addresses ?? [],
                admin = m.Info?.Admin ?? [],
                version = m.Info?.Version,
                startedAt = m.Info?.StartedAt,
                expiresAt = m.ExpiresAt,
            }),
        });
    }

    private bool StageExists(string api, string stage)
    {
        return runtime.Current.Model.Stages.Contains(new Core.Model.StageRef(api, stage));
    }

    /// <summary>The decoded value of one query parameter (the admin API is not a hot path).</summary>
    private static string? QueryValue(string query, string name)
    {
        foreach (string pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            string key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            if (key == name)
            {
                return eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            }
        }

        return null;
    }

    private AdminResponse MetricsPage(bool openMetrics)
    {
        var text = new Metrics.MetricsText(openMetrics);
        var stats = runtime.Cache.Statistics;
        // An info metric: "auto" resolves at start, and an operator comparing instances needs to see to what.
        text.Family("edgegw_transport_info", "gauge", "The transport this process runs on (server.transport resolved).");
        text.Sample("edgegw_transport_info").Label("transport", runtime.Transport == TransportKind.Epoll ? "epoll" : "sockets").Value(1);
        Metric(text, "edgegw_connections_active", "gauge", "Open client connections.", runtime.ActiveConnections);
        Metric(text, "edgegw_connections_send_waiting", "gauge", "Client connections waiting for the client to read a response (closed after server.sendTimeoutSeconds without progress).", runtime.SendsWaiting);
        var budget = DescriptorBudget.Process;
        if (budget.Limit > 0)
        {
            Metric(text, "edgegw_descriptor_budget", "gauge", "Connections (client and upstream) the descriptor limit allows open at once; beyond it accepting pauses and new upstream connects answer 503.", budget.Capacity);
            Metric(text, "edgegw_descriptor_budget_used", "gauge", "Connections (client and upstream) open now, counted against the budget (with the sockets transport, also the one each listener waits to accept).", budget.Used);
        }

        Metric(text, "edgegw_request_heads_total", "counter", "Request heads received (before routing; was edgegw_requests_total before the per-route metrics).", runtime.RequestsServed);
        Metrics.MetricsExposition.Routes(text, runtime);
        var accessLog = runtime.AccessLogs.Counters;
        Metric(text, "edgegw_access_log_written_total", "counter", "Access log lines written to their destinations.", accessLog.WrittenTotal);
        Metric(text, "edgegw_access_log_dropped_total", "counter", "Access log lines dropped: the writer had fallen behind (its buffers full) or the destination could not be written.", accessLog.DroppedTotal);
        Metrics.MetricsExposition.Tracing(text, runtime);
        long connectErrors = 0, tlsErrors = 0;
        foreach (var cluster in runtime.Current.Clusters)
        {
            foreach (var destination in cluster.Destinations)
            {
                connectErrors += destination.ConnectErrors;
                tlsErrors += destination.TlsHandshakeErrors;
            }
        }

        Metric(text, "edgegw_upstream_connect_errors_total", "counter", "Upstream connects that failed or timed out, TLS handshakes included (destinations of the current config).", connectErrors);
        Metric(text, "edgegw_upstream_tls_handshake_errors_total", "counter", "Upstream TLS handshakes that failed: certificate verification or refusal (destinations of the current config).", tlsErrors);
        Metrics.MetricsExposition.Destinations(text, runtime);
        Metric(text, "edgegw_cache_hits_total", "counter", "Responses served from the cache.", stats.Hits);
        Metric(text, "edgegw_cache_misses_total", "counter", "Cache lookups that went upstream.", stats.Misses);
        Metric(text, "edgegw_cache_stores_total", "counter", "Responses stored.", stats.Stores);
        Metric(text, "edgegw_cache_rejected_total", "counter", "Responses not stored: too big, or not admitted over a more popular entry.", stats.Rejected);
        Metric(text, "edgegw_cache_evictions_total", "counter", "Entries evicted for space.", stats.Evictions);
        Metric(text, "edgegw_cache_expirations_total", "counter", "Entries removed after their TTL.", stats.Expirations);
        Metric(text, "edgegw_cache_entries", "gauge", "Entries stored.", stats.Entries);
        Metric(text, "edgegw_cache_bytes", "gauge", "Bytes charged against the cache budget.", stats.Bytes);
        Metric(text, "edgegw_cache_max_bytes", "gauge", "The cache budget.", runtime.Cache.MaxBytes);
        var ws = runtime.WebSockets;
        Metric(text, "edgegw_websocket_connections_active", "gauge", "Open WebSocket API connections.", ws.ActiveConnections);
        Metric(text, "edgegw_websocket_connections_total", "counter", "WebSocket API handshakes accepted.", ws.Accepted);
        Metric(text, "edgegw_websocket_connections_refused_total", "counter", "WebSocket API handshakes refused (invalid, origin, rate, $connect).", ws.Refused);
        Metric(text, "edgegw_websocket_messages_received_total", "counter", "Messages received from WebSocket clients.", ws.MessagesReceived);
        Metric(text, "edgegw_websocket_messages_sent_total", "counter", "Messages sent to WebSocket clients (replies and @connections pushes).", ws.MessagesSent);
        Metric(text, "edgegw_websocket_integration_errors_total", "counter", "WebSocket integration calls that failed.", ws.IntegrationErrors);
        Metric(text, "edgegw_websocket_unroutable_total", "counter", "Messages with no matching route and no $default.", ws.Unroutable);
        Metric(text, "edgegw_websocket_protocol_errors_total", "counter", "Connections closed for breaking RFC 6455 or a limit.", ws.ProtocolErrors);
        Metric(text, "edgegw_websocket_idle_closed_total", "counter", "Connections closed after the idle timeout.", ws.IdleClosed);
        Metric(text, "edgegw_websocket_lifetime_closed_total", "counter", "Connections closed at their maximum lifetime.", ws.LifetimeClosed);
        Metric(text, "edgegw_websocket_aborted_total", "counter", "Connections cut because the client never answered a close frame.", ws.Aborted);
        ProxyProtocolMetrics(text, runtime.ProxyProtocol);
        if (runtime.Access.Redis is { } redis)
        {
            Metric(text, "edgegw_redis_available", "gauge", "1 while shared limits reach Redis.", redis.Available ? 1 : 0);
            Metric(text, "edgegw_redis_failures_total", "counter", "Redis calls that failed (limits then fail open or closed).", redis.Failures);
            Metric(text, "edgegw_redis_lease_calls_total", "counter", "Lease calls to Redis for shared throttles and quotas (grants, settlements, give-backs).", redis.LeaseCalls);
            Metric(text, "edgegw_redis_lease_waits_total", "counter", "Requests that waited for a lease Redis had not answered yet.", redis.LeaseWaits);
            text.Metric("edgegw_redis_lease_wait_seconds_total", "counter", "Time those requests waited for Redis.", (double)redis.LeaseWaitTicks / redis.Time.TimestampFrequency);
        }

        TlsMetrics(text, runtime.Tls);
        return new AdminResponse(200, text.ContentType, text.ToBytes());
    }

    /// <summary>PROXY protocol headers read, and connections closed without one, by reason.</summary>
    private static void ProxyProtocolMetrics(Metrics.MetricsText text, ProxyProtocolCounters proxy)
    {
        Metric(text, "edgegw_proxy_protocol_headers_total", "counter", "PROXY protocol headers read on listeners with proxyProtocol (v1 and v2, LOCAL and UNKNOWN included).", proxy.Accepted);
        const string name = "edgegw_proxy_protocol_rejected_total";
        text.Family(name, "counter", "Connections closed on a proxyProtocol listener before a valid PROXY protocol header, by reason.");
        foreach (var (reason, count) in (ReadOnlySpan<(string, long)>)[
            ("missing", proxy.Refused(ProxyHeaderError.Missing)),
            ("malformed_v1", proxy.Refused(ProxyHeaderError.MalformedV1)),
            ("too_long_v1", proxy.Refused(ProxyHeaderError.TooLongV1)),
            ("malformed_v2", proxy.Refused(ProxyHeaderError.MalformedV2)),
            ("too_long_v2", proxy.Refused(ProxyHeaderError.TooLongV2)),
            ("malformed_tlv", proxy.Refused(ProxyHeaderError.MalformedTlv)),
            ("timeout", proxy.TimedOut),
            ("closed", proxy.ClosedEarly)])
        {
            text.Sample(name).Label("reason", reason).Value(count);
        }
    }

    /// <summary>Handshakes of the https listeners, failures by reason (every reason listed, zeros included), certificate reloads.</summary>
    private static void TlsMetrics(Metrics.MetricsText text, Tls.TlsState tls)
    {
        Metric(text, "edgegw_tls_handshakes_total", "counter", "TLS handshakes completed on https listeners.", tls.Handshakes);
        text.Family("edgegw_tls_handshake_failures_total", "counter", "TLS handshakes that failed, by reason (timeout, protocol, unknown_sni, not_tls, client_certificate, other).");
        foreach (var reason in Enum.GetValues<Tls.TlsFailure>())
        {
            text.Sample("edgegw_tls_handshake_failures_total").Label("reason", Tls.TlsErrorLog.Label(reason)).Value(tls.Failures(reason));
        }

        Metric(text, "edgegw_tls_certificate_reloads_total", "counter", "Certificates replaced after their files changed.", tls.CertificateReloads);
        Metric(text, "edgegw_tls_certificate_reload_failures_total", "counter", "Changed certificate files that could not be loaded (the old certificate stayed).", tls.CertificateReloadFailures);
    }

    private static void Metric(Metrics.MetricsText text, string name, string type, string help, long value) => text.Metric(name, type, help, value);

    private static AdminResponse NotAllowed() => AdminResponse.Error(405, "method not allowed");
}
