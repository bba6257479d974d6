using System.Buffers;
using System.Runtime.CompilerServices;
using EdgeGw.Core.Model;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Core.WebSockets;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Access;
using EdgeGw.Server.Authorizers;
using EdgeGw.Server.Caching;
using EdgeGw.Server.Cors;
using EdgeGw.Server.Iam;
using EdgeGw.Server.ClientAddresses;
using EdgeGw.Server.Forwarding;
using EdgeGw.Server.Infrastructure;
using EdgeGw.Server.Integrations;
using EdgeGw.Server.Tunnels;
using EdgeGw.Server.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace EdgeGw.Server.Http1;

/// <summary>
/// One client connection: a loop that reads request heads and runs each request through its steps, in order.
/// The order of a request's way is all in <see cref="ServeRequestAsync"/>: read head → parse → route → limits
/// → access (key, throttles, quota) → integration (WebSocket API, tunnel, cache → forward, or mock) → flush.
/// Each step is its own type, created once per connection (the ones a route needs, on first use) and owning
/// its fields; they share only the connection's transport (<see cref="ClientConnection"/>), the request as
/// parsed (<see cref="ClientRequest"/>) and the response side (<see cref="ClientResponder"/>). Everything reused
/// per request lives in those objects so the steady state allocates nothing; async steps use pooled state machines.
/// </summary>
internal sealed class Http1Connection
{
    private readonly ClientConnection _connection;
    private readonly GatewayRuntime _runtime;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly RequestBodyReader _body;
    private readonly AccessStep _access;
    private MockIntegration? _mock;
    private LambdaIntegration? _lambda;
    private Forwarder? _forwarder;
    private CacheStep? _cache;
    private Tunnel? _tunnel;
    private WebSocketApiHandshake? _webSocketApi;
    private ForwardedClientStep? _forwardedClient;
    private Compression.ResponseCompressor? _compression;
    private CorsStep? _cors;
    private IamStep? _iam;
    private AuthorizerStep? _authorizer;
    private RequestValidation.RequestValidationStep? _validation;
    private RequestBodyBuffer? _bodyBuffer;
    private ParameterMapping.BodyMappingStep? _bodyMapping;
    private Deployments.CanaryStep? _canary;
    private int _requestsServed;

    public Http1Connection(ConnectionContext context, GatewayRuntime runtime)
    {
        _runtime = runtime;
        _connection = new ClientConnection(context, runtime);
        _request = new ClientRequest(_connection.Input, _connection.Address) { ClientCertificateHeaders = _connection.ClientCertificateHeaders, ClientCertificate = _connection.ClientCertificate };
        _responder = new ClientResponder(_connection, _request);
        _body = new RequestBodyReader(_connection, _request);
        _access = new AccessStep(_connection, _request, _responder);
    }

    private RequestBodyBuffer BodyBuffer => _bodyBuffer ??= new RequestBodyBuffer(_connection, _request);

    private Forwarder Forwarder => _forwarder ??= new Forwarder(_connection, _request, _responder, _body);

    public async Task ProcessAsync()
    {
        long open = _runtime.OnConnectionOpened();
        var lifetime = _connection.Context.Features.Get<IConnectionLifetimeNotificationFeature>();
        using var registration = lifetime?.ConnectionClosedRequested.UnsafeRegister(static s => ((ClientConnection)s!).RequestClose(), _connection) ?? default;
        try
        {
            if (open > _runtime.Current.Model.Server.Limits.MaxConnections)
            {
                // Over the connection limit: say so and close, rather than leave the client to time out.
                await _responder.GatewayResponseAsync(503, close: true).ConfigureAwait(false);
                return;
            }

            while (!_connection.CloseRequested && await ProcessRequestAsync().ConfigureAwait(false))
            {
            }

            if (_responder.HasUnflushed)
            {
                await _responder.FlushPendingAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
        {
            // The client went away or the transport was aborted: nothing left to answer.
        }
        finally
        {
            ReturnRequestBuffers();
            _connection.Dispose();
            _runtime.OnConnectionClosed();
        }
    }

    /// <summary>Serves one request. Returns false when the connection should close.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ProcessRequestAsync()
    {
        try
        {
            bool open = await ServeRequestAsync().ConfigureAwait(false);
            // After the response: the request's record to its route's metrics (striped adds) and its access log
            // (never blocks; see AccessLogSink).
            if (_request.Record.Started)
            {
                RecordRequest();
            }

            return open;
        }
        finally
        {
            // Per-request tables go back to the shared pool so an idle keep-alive connection holds none.
            ReturnRequestBuffers();
            _connection.ExecutionLog?.Complete();
        }
    }

    /// <summary>Step 8: metrics, then the access log line, then a sampled request's spans. The end time is the loop's clock unless the access log
    /// (whose $context.responseLatency is in milliseconds of the system clock) needs a reading of its own.</summary>
    private void RecordRequest()
    {
        var request = _request;
        var accessLog = request.Record.AccessLog;
        var span = request.Record.Trace.Span;
        long end = accessLog is null && span is null ? EdgeGw.Transport.LoopClock.Now(_runtime.Time) : _runtime.Time.GetTimestamp();
        request.Record.EndTimestamp = end;
        var metrics = request.RecordMetrics;
        var routeMetrics = request.Record.Route is { } route && (uint)route.Ordinal < (uint)metrics.Length
            ? metrics[route.Ordinal]
            : _runtime.RouteMetrics.Unrouted;
        routeMetrics.Record(in request.Record, end);
        if (accessLog is not null)
        {
            request.RecordSinks[accessLog.DestinationIndex].Write(accessLog.Template, in request.Record);
        }

        // A sampled request's spans to the exporter's queue (never blocks; full: dropped and counted).
        if (span is not null)
        {
            Tracing.TraceStep.Complete(span, in request.Record, end);
            _runtime.Tracing.Enqueue(span);
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ServeRequestAsync()
    {
        var request = _request;
        var responder = _responder;
        request.Reset();

        // 1. Read until a whole head is buffered: within the keep-alive timeout before the first byte and the
        // head timeout after it (inline, not a method of its own: every request waits here, and a second
        // suspended state machine per request measured slower at 256 connections).
        var input = _connection.Input;
        var deadline = _connection.Deadline;
        var server = _runtime.Current.Model.Server;
        var limits = _runtime.Current.HeadLimits;
        bool headTimerArmed = false;
        deadline.Arm(server.KeepAliveTimeout);
        ReadOnlySequence<byte> buffer;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            buffer = result.Buffer;
            if (result.IsCanceled && buffer.IsEmpty && (deadline.Expired || _connection.CloseRequested))
            {
                deadline.Disarm();
                input.AdvanceTo(buffer.End);
                return false;
            }

            var status = request.Reader.Read(buffer, limits, out var scanError);
            if (status == HeadScanStatus.Complete)
            {
                break;
            }

            if (status == HeadScanStatus.Error)
            {
                deadline.Disarm();
                input.AdvanceTo(buffer.End);
                // Logged too, without the head's text (it was never parsed).
                request.BeginRecord(_runtime.Current, _runtime.Time);
                await responder.GatewayResponseAsync(scanError.ToStatusCode(), close: true).ConfigureAwait(false);
                return false;
            }

            if (result.IsCompleted)
            {
                deadline.Disarm();
                input.AdvanceTo(buffer.End);
                return false;
            }

            if (result.IsCanceled && deadline.Expired)
            {
                // A head started but never finished within the head timeout (slow client).
                input.AdvanceTo(buffer.End);
                request.BeginRecord(_runtime.Current, _runtime.Time);
                await responder.GatewayResponseAsync(408, close: true).ConfigureAwait(false);
                return false;
            }

            if (!headTimerArmed && !buffer.IsEmpty)
            {
                deadline.Arm(server.RequestHeadTimeout);
                headTimerArmed = true;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }

        deadline.Disarm();
        _runtime.OnRequest();
        // The wait for this request may have spanned a reload: route on the model current now.
        var snapshot = _runtime.Current;
        server = snapshot.Model.Server;
        request.BeginRecord(snapshot, _runtime.Time);

        // 2. Parse the head from contiguous bytes.
        var parseError = request.Parse(snapshot.HeadLimits.MaxHeaderCount);
        if (parseError != HttpParseError.None)
        {
            input.AdvanceTo(buffer.End);
            return await responder.GatewayResponseAsync(parseError.ToStatusCode(), close: true).ConfigureAwait(false);
        }

        request.CaptureRequestId();
        // The client: the peer, or with server.trustedProxies the client its X-Forwarded-For names (one null check without).
        if (server.TrustedProxies is { } trustedProxies)
        {
            (_forwardedClient ??= new ForwardedClientStep(_connection, request)).Resolve(trustedProxies);
        }

        _connection.ExecutionLog?.Started(request);
        request.CaptureRecordText(request.ClientAddress);
        // Trace context (W3C traceparent/tracestate, sampling; Server/Tracing): one null check with tracing off.
        if (snapshot.Model.Tracing is { } tracing)
        {
            Tracing.TraceStep.Begin(request, tracing, _runtime.Time);
            _connection.ExecutionLog?.Write($"Trace context: trace {request.Record.Trace.TraceIdHigh:x16}{request.Record.Trace.TraceIdLow:x16} ({(request.Record.Trace.HasParent ? "the client's" : "new")}), {(request.Record.Trace.Sampled ? "sampled" : "not sampled")}");
        }

        int maxRequests = server.Limits.MaxRequestsPerConnection;
        responder.KeepAlive = request.Head.KeepAlive && !_connection.CloseRequested && (maxRequests == 0 || ++_requestsServed < maxRequests);
        bool hasBody = request.HasBody;

        // 3. Route on the raw bytes.
        var path = request.Head.Path(request.Span);
        if (PathRules.HasDotSegment(path))
        {
            input.AdvanceTo(buffer.End);
            return await responder.GatewayResponseAsync(400, close: true).ConfigureAwait(false);
        }

        RouteMatch match = default;
        bool matched = snapshot.Model.Routes.TryMatch(request.Head.Authority(request.Span), request.Head.Method, path, ref match);
        // 3b. Canary (Server/Deployments): a stage with a canary sends its share to the canary deployment's routes (one null check without).
        if (snapshot.Model.CanaryRoutes is { } canaryRoutes)
        {
            matched = Deployments.CanaryStep.Route(ref _canary, request, canaryRoutes, path, matched, ref match, _connection.ExecutionLog);
        }

        if (!matched)
        {
            _connection.ExecutionLog?.Write("No route matched the method, host and path");
            // A CORS preflight for a path without an OPTIONS route: the route of the method it asks for answers it.
            if (snapshot.Model.UnmatchedRequests is not null && CorsStep.IsPreflight(request)
                && snapshot.Model.Routes.TryMatch(request.Head.Authority(request.Span), CorsStep.RequestedMethod(request), path, ref match) && match.Route!.Cors is { } preflight)
            {
                request.Record.Route = match.Route;
                return await (_cors ??= new CorsStep(_connection, request, responder)).AnswerPreflightAsync(preflight, close: hasBody).ConfigureAwait(false);
            }

            // The Host's API (if it can be told) answers with its gateway responses (and CORS headers, preflights).
            if (snapshot.Model.UnmatchedRequests?.Find(request.Head.Authority(request.Span)) is { } answers)
            {
                request.GatewayResponses = answers.GatewayResponses;
                if (answers.Cors is { } unmatchedCors && (_cors ??= new CorsStep(_connection, request, responder)).Apply(unmatchedCors))
                {
                    return await _cors.AnswerPreflightAsync(unmatchedCors, close: hasBody).ConfigureAwait(false);
                }
            }

            request.ConsumeHead();
            // The body was not read: closing is the only way to keep the next request's framing intact.
            return await responder.GatewayResponseAsync(404, close: hasBody).ConfigureAwait(false);
        }

        // 4. Limits.
        var route = match.Route!;
        _connection.ExecutionLog?.Matched(request, route, path, match);
        request.Record.Route = route;
        request.Record.Mapping = match.Mapping;
        request.Record.AccessLog = route.AccessLog;
        request.GatewayResponses = route.GatewayResponses;
        // CORS (before the limits, so that even a 413 carries the CORS headers): a preflight is answered here.
        if (route.Cors is { } cors && (_cors ??= new CorsStep(_connection, request, responder)).Apply(cors))
        {
            return await _cors.AnswerPreflightAsync(cors, close: hasBody).ConfigureAwait(false);
        }

        if (request.Head.Body == BodyKind.ContentLength && request.Head.ContentLength > route.MaxBodyBytes)
        {
            request.ConsumeHead();
            return await responder.GatewayResponseAsync(413, close: true).ConfigureAwait(false);
        }

        // Source IP allow/deny (the client after PROXY protocol / trusted proxies).
        if (route.SourceIp is { } sourceIp && !sourceIp.Allows(request.ClientAddress))
        {
            _connection.ExecutionLog?.Write("Source IP refused by the route's sourceIp");
            request.ConsumeHead();
            return await responder.GatewayResponseAsync(403, EdgeGw.Core.Observability.GatewayErrorType.AccessDenied, close: hasBody, default).ConfigureAwait(false);
        }

        // Authorizer: AWS_IAM routes verify the request's SigV4 signature (Server/Iam; a body to hash is read ahead).
        if (route.Iam is { } iam)
        {
            var verdict = await (_iam ??= new IamStep(_connection, request, responder, BodyBuffer)).VerifyAsync(iam, buffer).ConfigureAwait(false);
            if (verdict != IamOutcome.Verified)
            {
                return await _iam.RefuseAsync(verdict, close: hasBody).ConfigureAwait(false);
            }
        }

        // Authorizer (JWT or request): before the API key, which a request authorizer may supply (usageIdentifierKey).
        if (route.Authorizer is { } authorizer)
        {
            var step = _authorizer ??= new AuthorizerStep(_connection, request, responder);
            var verdict = step.Authorize(authorizer, in match);
            if (verdict == AuthorizerOutcome.Pending)
            {
                verdict = await step.AuthorizeAsync().ConfigureAwait(false);
            }

            // For the per-route metrics (edgegw_route_authorizer_decisions_total, edgegw_authorizer_duration_seconds).
            ref var record = ref request.Record;
            record.Authorizer = verdict switch
            {
                AuthorizerOutcome.Allowed => EdgeGw.Core.Observability.AuthorizerOutcome.Allowed,
                AuthorizerOutcome.Failed => EdgeGw.Core.Observability.AuthorizerOutcome.Error,
                _ => EdgeGw.Core.Observability.AuthorizerOutcome.Denied,
            };
            record.AuthorizerTicks = record.AuthorizerEndTimestamp > record.AuthorizerStartTimestamp ? record.AuthorizerEndTimestamp - record.AuthorizerStartTimestamp : 0;
            if (verdict != AuthorizerOutcome.Allowed)
            {
                request.ConsumeHead();
                return await step.RefuseAsync(verdict, close: hasBody).ConfigureAwait(false);
            }
        }

        // 5. Access: API key, token buckets, quota.
        if (AccessStep.Applies(snapshot, route))
        {
            var outcome = _access.Check(snapshot, route, out var decision);
            if (outcome == AccessOutcome.Pending)
            {
                (outcome, decision) = await _access.AwaitLeaseAsync(snapshot, route, decision).ConfigureAwait(false);
            }

            _connection.ExecutionLog?.Access(outcome, decision);
            if (outcome != AccessOutcome.Allowed)
            {
                request.ConsumeHead();
                return await _access.RefuseAsync(outcome, decision, close: hasBody).ConfigureAwait(false);
            }
        }

        // Request validation (AWS's place: after access, before mapping and the integration): required parameters,
        // then the body against the route's model, buffered in the input pipe so the backend gets the same bytes.
        if (route.RequestValidator is { } validator)
        {
            var verdict = await (_validation ??= new RequestValidation.RequestValidationStep(_connection, request, responder, BodyBuffer)).ValidateAsync(validator, match, buffer).ConfigureAwait(false);
            if (verdict != RequestValidation.ValidationOutcome.Valid)
            {
                _connection.ExecutionLog?.Write($"Request validation: {verdict}");
                return await _validation.RefuseAsync(verdict, validator, close: hasBody).ConfigureAwait(false);
            }
        }

        // Parameter mapping from $request.body: the JSON body is buffered in the input pipe (read once, after
        // validation's) for the upstream request writer; the backend still gets the same bytes.
        if (route.MapsRequestBody)
        {
            var buffered = await (_bodyMapping ??= new ParameterMapping.BodyMappingStep(request, BodyBuffer)).BufferAsync(route, buffer).ConfigureAwait(false);
            if (buffered != BodyBufferOutcome.Buffered)
            {
                _connection.ExecutionLog?.Write($"Request body for parameter mapping: {buffered}");
                return await BodyBuffer.FailAsync(buffered, responder).ConfigureAwait(false);
            }
        }

        // Response compression: Accept-Encoding is read now, while the head is buffered (the relay, a cache hit or a mock uses it).
        if (route.Compression is { } compression)
        {
            request.Compression = (_compression ??= new Compression.ResponseCompressor(_connection, request, responder)).Negotiate(compression);
        }

        // 6. Integration (through the cache step when the route is cached).
        switch (route.Integration)
        {
            case WebSocketApiModel webSocketApi:
                return await (_webSocketApi ??= new WebSocketApiHandshake(_connection, request, responder)).ServeAsync(snapshot, webSocketApi).ConfigureAwait(false);
            case HttpIntegrationModel http when request.Head.UpgradeRequested && Tunnel.IsWebSocketUpgrade(request):
                return await (_tunnel ??= new Tunnel(_connection, request, responder, Forwarder)).ServeAsync(snapshot, http, match).ConfigureAwait(false);
            case HttpIntegrationModel http when route.Cache is { } cachePolicy && cachePolicy.AllowsMethod(request.Head.Method):
                return await (_cache ??= new CacheStep(_connection, request, responder, _body)).ServeAsync(snapshot, route, http, cachePolicy, match, Forwarder).ConfigureAwait(false);
            case HttpIntegrationModel http:
                return await Forwarder.ForwardAsync(snapshot, route, http, match, observer: null).ConfigureAwait(false);
            case Core.Lambda.LambdaIntegrationModel lambda:
                return await (_lambda ??= new LambdaIntegration(_connection, request, responder, _body)).ServeAsync(snapshot, route, lambda, match).ConfigureAwait(false);
            default:
                return await (_mock ??= new MockIntegration(_connection, request, responder, _body)).ServeAsync(route, (MockIntegrationModel)route.Integration).ConfigureAwait(false);
        }
    }

    private void ReturnRequestBuffers()
    {
        _request.ReturnBuffers();
        _forwarder?.ReturnBuffers();
        _lambda?.ReturnBuffers();
        _cache?.ReturnBuffers();
    }
}
