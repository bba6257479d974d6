using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using EdgeGw.Core.Model;
using EdgeGw.Protocols.Buffers;

namespace EdgeGw.Core.Authorizers;

/// <summary>
/// A request authorizer's integration and response rules. <see cref="Integration"/> is the POST's target: the
/// cluster (found by name in the snapshot at call time), the path (the configured <c>uri</c>) and the answer's timeout;
/// with <see cref="Lambda"/>, the function invoked instead (its endpoint cluster, target, signing and timeout).
/// </summary>
public sealed record RequestAuthorizerSettings(
    HttpIntegrationModel Integration, string PayloadFormatVersion, bool SimpleResponses, int ResultTtlSeconds, Lambda.LambdaIntegrationModel? Lambda = null);

/// <summary>A request authorizer's answer as read: its HTTP status (0 or a gateway 5xx when there was none) and its body, in a <see cref="BlockPool"/> array the reader returns.</summary>
public readonly record struct AuthorizerAnswer(int Status, byte[]? Body, int Length);

/// <summary>How a request authorizer's event reaches its integration: the server's pooled upstream connections to the cluster (a POST, or a Lambda invoke whose payload is the answer).</summary>
public interface IAuthorizerTransport
{
    /// <summary>POSTs <paramref name="body"/> (JSON) to <paramref name="settings"/>' integration and reads the answer, at most <paramref name="maxResponseBytes"/>.</summary>
    ValueTask<AuthorizerAnswer> PostAsync(RequestAuthorizerSettings settings, byte[] body, int maxResponseBytes);
}

/// <summary>
/// A <c>request</c> authorizer (AWS's Lambda authorizer: a Lambda function, or an HTTP endpoint of a cluster): the
/// gateway POSTs the authorizer event to the integration, or invokes the function with it, and reads a simple
/// (<c>isAuthorized</c>) or IAM policy answer from the body or the function's payload.
/// Results are cached for <c>resultTtlSeconds</c> keyed by the identity-source values (a bounded
/// <see cref="BoundedEntryCache{T}"/>); concurrent misses with the same values share one call. The call goes through
/// <see cref="IAuthorizerTransport"/>: the cluster's pooled keep-alive connections, with its load balancing, connect
/// retries, passive health and circuit breaker, as an integration's (for a function, its endpoint's cluster and the
/// Lambda invoker a route's lambda integration uses).
/// </summary>
public sealed class RequestAuthorizer : Authorizer
{
    public const int ResultCacheCapacity = 4096;
    public const int MaxResponseBytes = 150_000;

    private readonly ConcurrentDictionary<string, Task<RequestAuthorizerResult?>> _inFlight = new(StringComparer.Ordinal);
    private int _calls;

    public RequestAuthorizer(string name, ImmutableArray<IdentitySource> identitySources, byte[] forwardPrefix, RequestAuthorizerSettings settings)
        : base(name, identitySources, forwardPrefix)
    {
        Settings = settings;
    }

    public RequestAuthorizerSettings Settings { get; }
    public BoundedEntryCache<RequestAuthorizerResult> Results { get; } = new(ResultCacheCapacity);
    public bool Caches => Settings.ResultTtlSeconds > 0 && !IdentitySources.IsEmpty;
    /// <summary>Calls made to the integration, for tests and metrics.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>
    /// The result for the identity <paramref name="key"/>: the cached one, a call already running for it, or a new
    /// call with <paramref name="eventBody"/> (built by the caller only on a miss) through <paramref name="transport"/>.
    /// Null: the authorizer failed (500).
    /// </summary>
    public Task<RequestAuthorizerResult?> AuthorizeAsync(byte[] key, Func<byte[]> eventBody, Func<long> nowMs, IAuthorizerTransport transport)
    {
        if (!Caches)
        {
            return CallAsync(key, eventBody(), nowMs, transport);
        }

        string flightKey = Encoding.Latin1.GetString(key);
        if (_inFlight.TryGetValue(flightKey, out var running))
        {
            return running;
        }

        var source = new TaskCompletionSource<RequestAuthorizerResult?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inFlight.TryAdd(flightKey, source.Task))
        {
            return _inFlight.TryGetValue(flightKey, out running) ? running : CallAsync(key, eventBody(), nowMs, transport);
        }

        _ = CompleteAsync(source, flightKey, key, eventBody(), nowMs, transport);
        return source.Task;
    }

    private async Task CompleteAsync(TaskCompletionSource<RequestAuthorizerResult?> source, string flightKey, byte[] key, byte[] body, Func<long> nowMs, IAuthorizerTransport transport)
    {
        RequestAuthorizerResult? result = null;
        try
        {
            result = await CallAsync(key, body, nowMs, transport).ConfigureAwait(false);
            if (result is not null)
            {
                Results.Add(result, nowMs());
            }
        }
        finally
        {
            _inFlight.TryRemove(flightKey, out _);
            source.TrySetResult(result);
        }
    }

    private async Task<RequestAuthorizerResult?> CallAsync(byte[] key, byte[] body, Func<long> nowMs, IAuthorizerTransport transport)
    {
        Interlocked.Increment(ref _calls);
        var answer = await transport.PostAsync(Settings, body, MaxResponseBytes).ConfigureAwait(false);
        try
        {
            if (answer.Status is < 200 or > 299)
            {
                return null; // no answer (unreachable, timed out, cut short, too large) or a non-2xx: 500, as AWS
            }

            long expires = Caches ? nowMs() + Settings.ResultTtlSeconds * 1000L : 0;
            return RequestAuthorizerResult.Parse(key, answer.Body is null ? default : answer.Body.AsSpan(0, answer.Length), Settings.SimpleResponses, expires, ForwardPrefix, answer.Status);
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            if (answer.Body is not null)
            {
                BlockPool.Return(answer.Body);
            }
        }
    }
}

/// <summary>
/// A request authorizer's answer, cached by identity: allowed or not (simple responses), or an IAM policy matched
/// per request against the request's route ARN; its principalId, context and usageIdentifierKey; the header lines
/// toward the backend built once.
/// </summary>
public sealed class RequestAuthorizerResult : CachedEntry
{
    private readonly bool _simpleAllowed;
    private readonly (bool Allow, byte[] Pattern)[]? _statements;
    private readonly byte[] _principalId;
    private readonly (byte[] Key, byte[] Value)[] _context;
    private readonly byte[] _headerLines;

    private RequestAuthorizerResult(byte[] key, long expiresAtMs, bool simpleAllowed, (bool, byte[])[]? statements, byte[] principalId,
        (byte[], byte[])[] context, byte[] usageIdentifierKey, byte[] forwardPrefix)
        : base(key, expiresAtMs)
    {
        _simpleAllowed = simpleAllowed;
        _statements = statements;
        _principalId = principalId;
        _context = context;
        UsageIdentifierKey = usageIdentifierKey;
        var lines = new StringBuilder();
        string prefix = Encoding.ASCII.GetString(forwardPrefix);
        if (principalId.Length > 0 && JwtIdentity.IsHeaderSafe(principalId))
        {
            lines.Append(prefix).Append("Principal-Id: ").Append(Encoding.Latin1.GetString(principalId)).Append("\r\n");
        }

        foreach (var (name, value) in context)
        {
            string text = Encoding.UTF8.GetString(name);
            if (text.Length is > 0 and <= 64 && !text.AsSpan().ContainsAnyExcept(Infrastructure.ConfigChecks.TokenChars) && JwtIdentity.IsHeaderSafe(value))
            {
                lines.Append(prefix).Append(JwtIdentity.HeaderSuffix(text)).Append(": ").Append(Encoding.Latin1.GetString(value)).Append("\r\n");
            }
        }

        _headerLines = Encoding.Latin1.GetBytes(lines.ToString());
    }

    public override ReadOnlySpan<byte> PrincipalId => _principalId;
    public override ReadOnlySpan<byte> ForwardedHeaderLines => _headerLines;
    /// <summary>The HTTP status the authorizer answered with (<c>$context.authorizer.status</c>).</summary>
    public int Status { get; private init; }

    /// <summary>The API key for usage plans the authorizer named (AWS <c>usageIdentifierKey</c>); empty when none.</summary>
    public byte[] UsageIdentifierKey { get; }

    public override bool TryGetContext(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        foreach (var (name, text) in _context)
        {
            if (key.SequenceEqual(name))
            {
                value = text;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Whether the answer allows the request whose route ARN is <paramref name="routeArn"/> (an explicit Deny wins).</summary>
    public bool Allows(ReadOnlySpan<byte> routeArn)
    {
        if (_statements is null)
        {
            return _simpleAllowed;
        }

        bool allowed = false;
        foreach (var (allow, pattern) in _statements)
        {
            if (Glob(pattern, routeArn))
            {
                if (!allow)
                {
                    return false;
                }

                allowed = true;
            }
        }

        return allowed;
    }

    /// <summary>IAM's resource wildcards: <c>*</c> any run of characters, <c>?</c> one.</summary>
    public static bool Glob(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == (byte)'?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == (byte)'*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == (byte)'*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Reads the authorizer's answer; null when it is not a valid one (then 500, as AWS).</summary>
    public static RequestAuthorizerResult? Parse(byte[] key, ReadOnlySpan<byte> json, bool simple, long expiresAtMs, byte[] forwardPrefix, int status = 200)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return ParseObject(key, root, simple, expiresAtMs, forwardPrefix, status);
    }

    private static RequestAuthorizerResult? ParseObject(byte[] key, JsonElement root, bool simple, long expiresAtMs, byte[] forwardPrefix, int status)
    {

        var context = new List<(byte[], byte[])>();
        if (root.TryGetProperty("context", out var contextElement) && contextElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in contextElement.EnumerateObject())
            {
                string? text = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                    _ => null, // AWS: context values are strings, numbers or booleans
                };
                if (text is not null)
                {
                    context.Add((Encoding.UTF8.GetBytes(property.Name), Encoding.UTF8.GetBytes(text)));
                }
            }
        }

        if (simple)
        {
            if (!root.TryGetProperty("isAuthorized", out var authorized) || authorized.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return null;
            }

            return new RequestAuthorizerResult(key, expiresAtMs, authorized.ValueKind == JsonValueKind.True, null, [], [.. context], [], forwardPrefix) { Status = status };
        }

        if (!root.TryGetProperty("principalId", out var principal) || principal.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("policyDocument", out var policy) || policy.ValueKind != JsonValueKind.Object
            || !TryGetIgnoreCase(policy, "Statement", out var statements))
        {
            return null;
        }

        var list = new List<(bool, byte[])>();
        foreach (var statement in statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements])
        {
            if (statement.ValueKind != JsonValueKind.Object || !TryGetIgnoreCase(statement, "Effect", out var effect) || effect.ValueKind != JsonValueKind.String
                || !TryGetIgnoreCase(statement, "Action", out var action) || !TryGetIgnoreCase(statement, "Resource", out var resource))
            {
                return null;
            }

            bool allow = string.Equals(effect.GetString(), "Allow", StringComparison.OrdinalIgnoreCase);
            if (!allow && !string.Equals(effect.GetString(), "Deny", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            if (!Strings(action).Any(a => a is "execute-api:Invoke" or "execute-api:*" or "*"))
            {
                continue;
            }

            foreach (string pattern in Strings(resource))
            {
                list.Add((allow, Encoding.UTF8.GetBytes(pattern)));
            }
        }

        string usageKey = root.TryGetProperty("usageIdentifierKey", out var usage) && usage.ValueKind == JsonValueKind.String ? usage.GetString() ?? "" : "";
        return new RequestAuthorizerResult(key, expiresAtMs, false, [.. list], Encoding.UTF8.GetBytes(principal.GetString() ?? ""), [.. context], Encoding.UTF8.GetBytes(usageKey), forwardPrefix) { Status = status };
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList(),
        _ => [],
    };

    private static bool TryGetIgnoreCase(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}
