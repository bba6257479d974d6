using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Observability;
using EdgeGw.Core.Routing;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.Authorizers;

/// <summary>How the authorizer step ended.</summary>
internal enum AuthorizerOutcome : byte
{
    Allowed,
    /// <summary>Not decided without a wait (JWKS fetch, request authorizer call): call <see cref="AuthorizerStep.AuthorizeAsync"/>.</summary>
    Pending,
    /// <summary>401: no or bad credentials.</summary>
    Unauthorized,
    /// <summary>403: a denial, or a valid token without the route's scopes.</summary>
    Forbidden,
    /// <summary>500: the request authorizer failed, timed out or answered nonsense.</summary>
    Failed,
}

/// <summary>
/// The authorizer step, after CORS and source IP and before the API key / throttles (a request authorizer may supply
/// the API key): a route's <c>authorizer</c> (JWT or request) decides who the caller is, or refuses the request
/// before anything reaches a backend. The decided identity (a cached verified token or authorizer result) becomes
/// <see cref="RequestRecord.Identity"/>: its header lines go to the backend, its claims and context to the access log.
/// A cached token or result is decided synchronously with no allocation; a miss goes through <see cref="AuthorizeAsync"/>.
/// One per connection.
/// </summary>
internal sealed class AuthorizerStep
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly Func<long> _nowMs;
    private readonly Func<byte[]> _buildEvent;
    private byte[] _key = new byte[512];
    private int _keyLength;
    private byte[] _arn = new byte[512];
    private JwtFailure _jwtFailure;
    private bool _isJwt;
    private RouteAuthorizer? _pending;
    private RouteMatch _match;

    public AuthorizerStep(ClientConnection connection, ClientRequest request, ClientResponder responder)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
        var time = connection.Runtime.Time;
        _nowMs = () => time.GetUtcNow().ToUnixTimeMilliseconds();
        _buildEvent = BuildEvent;
    }

    /// <summary>Decides from caches (or a JWT verified with the keys at hand); <see cref="AuthorizerOutcome.Pending"/> when it must wait.</summary>
    public AuthorizerOutcome Authorize(RouteAuthorizer route, in RouteMatch match)
    {
        _pending = null;
        long now = _nowMs();
        if (route.Authorizer is JwtAuthorizer jwt)
        {
            _isJwt = true;
            var token = TokenOf(jwt);
            if (token.IsEmpty)
            {
                return Refuse(JwtFailure.Missing);
            }

            var failure = jwt.Validate(token, now, out var identity);
            if (failure is JwtFailure.UnknownKey or JwtFailure.KeysUnavailable)
            {
                _jwtFailure = failure;
                _pending = route;
                return AuthorizerOutcome.Pending;
            }

            return Decide(route, failure, identity);
        }

        _isJwt = false;
        var authorizer = (RequestAuthorizer)route.Authorizer;
        if (!BuildKey(authorizer))
        {
            _connection.ExecutionLog?.Write($"Authorizer {authorizer.Name}: an identity source is missing (401, the authorizer is not called)");
            _request.Record.AuthorizerError = MissingIdentity;
            return AuthorizerOutcome.Unauthorized;
        }

        if (authorizer.Caches && authorizer.Results.Find(_key.AsSpan(0, _keyLength), now) is { } cached)
        {
            _connection.ExecutionLog?.Write($"Authorizer {authorizer.Name}: cached result");
            return Decide(route, cached, in match);
        }

        _pending = route;
        _match = match;
        return AuthorizerOutcome.Pending;
    }

    /// <summary>The slow path of <see cref="Authorize"/>: the JWKS fetch for the token's kid, or the request authorizer's call.</summary>
    public async ValueTask<AuthorizerOutcome> AuthorizeAsync()
    {
        var route = _pending!;
        if (route.Authorizer is JwtAuthorizer jwt)
        {
            var token = TokenOf(jwt);
            _request.Span.Overlaps(token, out int offset);
            _request.Record.AuthorizerStartTimestamp = _connection.Runtime.Time.GetTimestamp();
            var (failure, identity) = await jwt.ValidateAfterFetchAsync(_request.Bytes.Slice(offset, token.Length), _jwtFailure, _nowMs).ConfigureAwait(false);
            _request.Record.AuthorizerEndTimestamp = _connection.Runtime.Time.GetTimestamp();
            return Decide(route, failure, identity);
        }

        var authorizer = (RequestAuthorizer)route.Authorizer;
        long started = _connection.Runtime.Time.GetTimestamp();
        _request.Record.AuthorizerStartTimestamp = started;
        var call = authorizer.AuthorizeAsync(_key.AsSpan(0, _keyLength).ToArray(), _buildEvent, _nowMs); // builds the event now, while the head is readable
        _pending = null;
        var result = await call.ConfigureAwait(false);
        _request.Record.AuthorizerEndTimestamp = _connection.Runtime.Time.GetTimestamp();
        _connection.ExecutionLog?.Write($"Authorizer {authorizer.Name}: called in {_connection.Runtime.Time.GetElapsedTime(started).TotalMilliseconds:F1} ms, {(result is null ? "failed" : "answered")}");
        if (result is null)
        {
            _request.Record.AuthorizerError = Failure;
            return AuthorizerOutcome.Failed;
        }

        return Decide(route, result, in _match);
    }

    /// <summary>Answers a refusal (401 with WWW-Authenticate for JWT, 403, or 500). Returns whether the connection stays open.</summary>
    public ValueTask<bool> RefuseAsync(AuthorizerOutcome outcome, bool close) => outcome switch
    {
        AuthorizerOutcome.Unauthorized => _responder.GatewayResponseAsync(401, GatewayErrorType.Unauthorized, close, _isJwt ? JwtFailures.WwwAuthenticateLine(_jwtFailure) : default),
        AuthorizerOutcome.Forbidden => _responder.GatewayResponseAsync(403, GatewayErrorType.AccessDenied, close, default),
        _ => _responder.GatewayResponseAsync(500, GatewayErrorType.AuthorizerFailure, close, default),
    };

    /// <summary>The token from the authorizer's header (after <c>Bearer </c>) or query parameter (as sent: a JWT needs no escaping).</summary>
    private ReadOnlySpan<byte> TokenOf(JwtAuthorizer jwt)
    {
        var source = jwt.IdentitySources[0];
        return source.Kind == IdentitySourceKind.Header
            ? JwtAuthorizer.TokenOf(_request.HeaderValue(source.NameBytes))
            : IdentitySource.QueryValue(_request.Head.Query(_request.Span), source.NameBytes, out _);
    }

    private static readonly byte[] MissingIdentity = "Unauthorized: an identity source is missing"u8.ToArray();
    private static readonly byte[] Denied = "Forbidden: the authorizer denied the request"u8.ToArray();
    private static readonly byte[] Failure = "the authorizer failed, timed out or gave an invalid answer"u8.ToArray();

    private AuthorizerOutcome Refuse(JwtFailure failure)
    {
        _jwtFailure = failure;
        _request.Record.AuthorizerError = JwtFailures.Utf8Description(failure);
        if (_connection.ExecutionLog is { } log)
        {
            log.Write($"JWT authorizer: {JwtFailures.Description(failure)}");
        }

        return failure == JwtFailure.Scope ? AuthorizerOutcome.Forbidden : AuthorizerOutcome.Unauthorized;
    }

    private AuthorizerOutcome Decide(RouteAuthorizer route, JwtFailure failure, JwtIdentity? identity)
    {
        if (failure != JwtFailure.None)
        {
            return Refuse(failure);
        }

        if (!identity!.HasAnyScope(route.Scopes))
        {
            return Refuse(JwtFailure.Scope);
        }

        _request.Record.Identity = identity;
        return AuthorizerOutcome.Allowed;
    }

    private AuthorizerOutcome Decide(RouteAuthorizer route, RequestAuthorizerResult result, in RouteMatch match)
    {
        _request.Record.AuthorizerStatus = result.Status;
        if (!result.Allows(RouteArn(route, in match)))
        {
            _connection.ExecutionLog?.Write($"Authorizer {route.Authorizer.Name}: denied");
            _request.Record.AuthorizerError = Denied;
            return AuthorizerOutcome.Forbidden;
        }

        _request.Record.Identity = result;
        return AuthorizerOutcome.Allowed;
    }

    /// <summary><c>arn:aws:execute-api:edgegw:000000000000:{api}/{stage}/{METHOD}{path after the stage}</c>, in the step's buffer.</summary>
    private ReadOnlySpan<byte> RouteArn(RouteAuthorizer route, in RouteMatch match)
    {
        var head = _request.Span;
        var method = _request.Head.MethodToken(head);
        var path = _request.Head.Path(head);
        var rest = match.StagePrefixLength <= path.Length ? path[match.StagePrefixLength..] : path;
        int length = route.RouteArnPrefix.Length + method.Length + rest.Length;
        if (_arn.Length < length)
        {
            _arn = new byte[Math.Max(length, _arn.Length * 2)];
        }

        route.RouteArnPrefix.CopyTo(_arn, 0);
        method.CopyTo(_arn.AsSpan(route.RouteArnPrefix.Length));
        rest.CopyTo(_arn.AsSpan(route.RouteArnPrefix.Length + method.Length));
        return _arn.AsSpan(0, length);
    }

    /// <summary>The identity-source values, length-prefixed, into the step's key buffer; false when one is missing or empty.</summary>
    private bool BuildKey(RequestAuthorizer authorizer)
    {
        _keyLength = 0;
        var head = _request.Span;
        foreach (var source in authorizer.IdentitySources)
        {
            ReadOnlySpan<byte> value;
            if (source.Kind == IdentitySourceKind.Header)
            {
                value = _request.HeaderValue(source.NameBytes);
            }
            else
            {
                value = IdentitySource.QueryValue(_request.Head.Query(head), source.NameBytes, out _);
            }

            if (value.IsEmpty)
            {
                return false;
            }

            int needed = _keyLength + 4 + value.Length;
            if (_key.Length < needed)
            {
                Array.Resize(ref _key, Math.Max(needed, _key.Length * 2));
            }

            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(_key.AsSpan(_keyLength), value.Length);
            value.CopyTo(_key.AsSpan(_keyLength + 4));
            _keyLength = needed;
        }

        return true;
    }

    /// <summary>The AWS authorizer event (payload format 2.0 or 1.0) of the request, built only when the authorizer is called.</summary>
    private byte[] BuildEvent()
    {
        var route = _pending ?? throw new InvalidOperationException("no pending authorizer");
        var authorizer = (RequestAuthorizer)route.Authorizer;
        var head = _request.Span;
        var buffer = new ArrayBufferWriter<byte>(2048);
        using var json = new Utf8JsonWriter(buffer);
        bool v2 = authorizer.Settings.PayloadFormatVersion == "2.0";
        string method = Encoding.ASCII.GetString(_request.Head.MethodToken(head));
        string rawPath = Encoding.UTF8.GetString(_request.Head.Path(head));
        var queryBytes = _request.Head.Query(head);
        string rawQuery = queryBytes.Length > 0 && queryBytes[0] == (byte)'?' ? Encoding.UTF8.GetString(queryBytes[1..]) : Encoding.UTF8.GetString(queryBytes);
        string arn = Encoding.UTF8.GetString(RouteArn(route, in _match));
        var identityValues = IdentityValues(authorizer);

        var headers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (ref readonly var entry in _request.Headers)
        {
            string name = Encoding.ASCII.GetString(entry.Name(head)).ToLowerInvariant();
            if (!headers.TryGetValue(name, out var values))
            {
                headers[name] = values = [];
            }

            values.Add(Encoding.Latin1.GetString(entry.Value(head)));
        }

        var query = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string pair in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            string key = Unescape(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? "" : Unescape(pair[(eq + 1)..]);
            if (!query.TryGetValue(key, out var values))
            {
                query[key] = values = [];
            }

            values.Add(value);
        }

        string sourceIp = Encoding.ASCII.GetString(_request.ClientAddress);
        string userAgent = Encoding.Latin1.GetString(_request.HeaderValue("user-agent"u8));
        string requestId = Encoding.ASCII.GetString(_request.RequestId);
        var now = _connection.Runtime.Time.GetUtcNow();
        string apiName = _request.Record.Route?.ApiName ?? "";
        json.WriteStartObject();
        json.WriteString("version", v2 ? "2.0" : "1.0");
        json.WriteString("type", "REQUEST");
        if (v2)
        {
            json.WriteString("routeArn", arn);
            json.WriteStartArray("identitySource");
            foreach (string value in identityValues)
            {
                json.WriteStringValue(value);
            }

            json.WriteEndArray();
            json.WriteString("routeKey", route.RouteKey);
            json.WriteString("rawPath", rawPath);
            json.WriteString("rawQueryString", rawQuery);
            if (headers.TryGetValue("cookie", out var cookies))
            {
                json.WriteStartArray("cookies");
                foreach (string line in cookies)
                {
                    foreach (string cookie in line.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    {
                        json.WriteStringValue(cookie);
                    }
                }

                json.WriteEndArray();
            }

            json.WriteStartObject("headers");
            foreach (var (name, values) in headers)
            {
                if (name != "cookie")
                {
                    json.WriteString(name, string.Join(',', values));
                }
            }

            json.WriteEndObject();
            if (query.Count > 0)
            {
                json.WriteStartObject("queryStringParameters");
                foreach (var (name, values) in query)
                {
                    json.WriteString(name, string.Join(',', values));
                }

                json.WriteEndObject();
            }

            json.WriteStartObject("requestContext");
            json.WriteString("accountId", "000000000000");
            json.WriteString("apiId", apiName);
            json.WriteString("domainName", Encoding.ASCII.GetString(_request.Head.Authority(head)));
            json.WriteStartObject("http");
            json.WriteString("method", method);
            json.WriteString("path", rawPath);
            json.WriteString("protocol", _request.Head.Version == HttpVersion.Http10 ? "HTTP/1.0" : "HTTP/1.1");
            json.WriteString("sourceIp", sourceIp);
            json.WriteString("userAgent", userAgent);
            json.WriteEndObject();
            json.WriteString("requestId", requestId);
            json.WriteString("routeKey", route.RouteKey);
            json.WriteString("stage", route.Stage);
            json.WriteString("time", now.ToString("dd/MMM/yyyy:HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteNumber("timeEpoch", now.ToUnixTimeMilliseconds());
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("methodArn", arn);
            json.WriteString("identitySource", string.Join(',', identityValues));
            json.WriteString("resource", route.RouteKey.Contains(' ') ? route.RouteKey[(route.RouteKey.IndexOf(' ') + 1)..] : route.RouteKey);
            json.WriteString("path", rawPath);
            json.WriteString("httpMethod", method);
            json.WriteStartObject("headers");
            foreach (var (name, values) in headers)
            {
                json.WriteString(name, values[^1]);
            }

            json.WriteEndObject();
            json.WriteStartObject("multiValueHeaders");
            foreach (var (name, values) in headers)
            {
                json.WriteStartArray(name);
                values.ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteStartObject("queryStringParameters");
            foreach (var (name, values) in query)
            {
                json.WriteString(name, values[^1]);
            }

            json.WriteEndObject();
            json.WriteStartObject("multiValueQueryStringParameters");
            foreach (var (name, values) in query)
            {
                json.WriteStartArray(name);
                values.ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteStartObject("requestContext");
            json.WriteString("accountId", "000000000000");
            json.WriteString("apiId", apiName);
            json.WriteString("httpMethod", method);
            json.WriteString("path", rawPath);
            json.WriteString("requestId", requestId);
            json.WriteString("resourcePath", route.RouteKey);
            json.WriteString("stage", route.Stage);
            json.WriteStartObject("identity");
            json.WriteString("sourceIp", sourceIp);
            json.WriteString("userAgent", userAgent);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private List<string> IdentityValues(RequestAuthorizer authorizer)
    {
        var values = new List<string>();
        var head = _request.Span;
        foreach (var source in authorizer.IdentitySources)
        {
            values.Add(source.Kind == IdentitySourceKind.Header
                ? Encoding.Latin1.GetString(_request.HeaderValue(source.NameBytes))
                : Unescape(Encoding.UTF8.GetString(IdentitySource.QueryValue(_request.Head.Query(head), source.NameBytes, out _))));
        }

        return values;
    }

    private static string Unescape(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return text;
        }
    }
}
