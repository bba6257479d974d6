using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeGw.Core.Authorizers;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Server.Authorizers;

/// <summary>The request-authorizer path: its decision, the route ARN, the cache key of identity sources and the AWS authorizer event.</summary>
internal sealed partial class AuthorizerStep
{
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
