using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Observability;
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
internal sealed partial class AuthorizerStep
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly Func<long> _nowMs;
    private readonly Func<byte[]> _buildEvent;
    private readonly AuthorizerTransport _transport;
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
        _transport = new AuthorizerTransport(connection.Runtime);
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
        var call = authorizer.AuthorizeAsync(_key.AsSpan(0, _keyLength).ToArray(), _buildEvent, _nowMs, _transport); // builds the event now, while the head is readable
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
}
