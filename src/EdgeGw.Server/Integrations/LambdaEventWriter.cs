using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Lambda;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.Integrations;

/// <summary>
/// Writes API Gateway's Lambda proxy event (payload format 2.0 or 1.0) for the request being served, straight
/// from the parsed head into a <see cref="Utf8JsonWriter"/>: 2.0's <c>version</c>, <c>routeKey</c>, <c>rawPath</c>,
/// <c>rawQueryString</c>, <c>cookies</c>, <c>headers</c> (lower-case, repeated headers joined by commas),
/// <c>queryStringParameters</c> (repeated names joined by commas), <c>pathParameters</c>, <c>stageVariables</c>,
/// <c>requestContext</c>; 1.0's <c>resource</c>, <c>path</c>, <c>httpMethod</c>, <c>headers</c> and
/// <c>multiValueHeaders</c>, <c>queryStringParameters</c> and <c>multiValueQueryStringParameters</c> (null when
/// empty, as AWS), <c>requestContext</c> with <c>identity</c>. The head part is written while the head is readable
/// (<see cref="WriteHead"/>); the body and <c>isBase64Encoded</c> after the body is read (<see cref="WriteBody"/>).
/// Repeated names are grouped by scanning the header table (at most the head's header limit), so no dictionary
/// is built; names, joined values and the decoded query go through this writer's scratch arrays, kept per
/// connection. One per connection; not thread-safe.
/// </summary>
internal sealed class LambdaEventWriter
{
    /// <summary>The account of <c>requestContext.accountId</c> (EdgeGw has none; as the request authorizer's event).</summary>
    private static readonly JsonEncodedText AccountId = JsonEncodedText.Encode("000000000000");

    private byte[] _join = new byte[1024];
    private byte[] _decoded = new byte[1024];
    private int[] _pairs = new int[64];
    private int _pairCount;

    /// <summary>
    /// Writes the event's opening and every field the head decides. Returns whether a body would go as text
    /// (its Content-Type is textual); the caller still checks the bytes are UTF-8.
    /// </summary>
    /// <param name="path">The request path as routed (the span <paramref name="match"/>'s captures index).</param>
    public bool WriteHead(Utf8JsonWriter json, ClientRequest request, LambdaIntegrationModel lambda, in RouteMatch match, ReadOnlySpan<byte> path, bool https, DateTimeOffset now)
    {
        var head = request.Span;
        var query = request.Head.Query(head);
        if (!query.IsEmpty && query[0] == (byte)'?')
        {
            query = query[1..];
        }

        DecodeQuery(query);
        json.WriteStartObject();
        if (lambda.Version2)
        {
            WriteVersion2(json, request, lambda, in match, path, query, https, now);
        }
        else
        {
            WriteVersion1(json, request, lambda, in match, path, https, now);
        }

        return IsTextual(request.HeaderValue("content-type"u8));
    }

    /// <summary>The body (base64 unless it is text in UTF-8) and <c>isBase64Encoded</c>, then the event's end.</summary>
    public static void WriteBody(Utf8JsonWriter json, ReadOnlySpan<byte> body, bool textual, bool hasBody, bool version2)
    {
        bool base64 = hasBody && !(textual && Utf8.IsValid(body));
        if (!hasBody)
        {
            if (!version2)
            {
                json.WriteNull("body"u8);
            }
        }
        else if (base64)
        {
            json.WriteBase64String("body"u8, body);
        }
        else
        {
            json.WriteString("body"u8, body);
        }

        json.WriteBoolean("isBase64Encoded"u8, base64);
        json.WriteEndObject();
    }

    private void WriteVersion2(Utf8JsonWriter json, ClientRequest request, LambdaIntegrationModel lambda, in RouteMatch match, ReadOnlySpan<byte> path,
        ReadOnlySpan<byte> query, bool https, DateTimeOffset now)
    {
        var head = request.Span;
        json.WriteString("version"u8, "2.0"u8);
        json.WriteString("routeKey"u8, lambda.RouteKey);
        WriteText(json, "rawPath"u8, path);
        WriteText(json, "rawQueryString"u8, query);
        WriteCookies(json, request);
        json.WriteStartObject("headers"u8);
        WriteHeaders(json, request, https, lowerCase: true, skipCookie: true);
        json.WriteEndObject();
        if (_pairCount > 0)
        {
            json.WriteStartObject("queryStringParameters"u8);
            WriteQueryJoined(json);
            json.WriteEndObject();
        }

        WritePathParameters(json, lambda, in match, path, nullWhenNone: false);
        WriteStageVariables(json, lambda, nullWhenNone: false);
        json.WriteStartObject("requestContext"u8);
        json.WriteString("accountId"u8, AccountId);
        json.WriteString("apiId"u8, lambda.ApiId);
        WriteAuthorizer(json, request, version2: true);
        var authority = request.Head.Authority(head);
        WriteText(json, "domainName"u8, authority);
        WriteText(json, "domainPrefix"u8, DomainPrefix(authority));
        json.WriteStartObject("http"u8);
        WriteText(json, "method"u8, request.Head.MethodToken(head));
        WriteText(json, "path"u8, path);
        json.WriteString("protocol"u8, request.Head.Version == HttpVersion.Http10 ? "HTTP/1.0"u8 : "HTTP/1.1"u8);
        WriteText(json, "sourceIp"u8, request.ClientAddress);
        WriteText(json, "userAgent"u8, request.HeaderValue("user-agent"u8));
        json.WriteEndObject();
        WriteText(json, "requestId"u8, request.RequestId);
        json.WriteString("routeKey"u8, lambda.RouteKey);
        json.WriteString("stage"u8, lambda.Stage);
        WriteTime(json, "time"u8, now);
        json.WriteNumber("timeEpoch"u8, now.ToUnixTimeMilliseconds());
        json.WriteEndObject();
    }

    private void WriteVersion1(Utf8JsonWriter json, ClientRequest request, LambdaIntegrationModel lambda, in RouteMatch match, ReadOnlySpan<byte> path, bool https, DateTimeOffset now)
    {
        var head = request.Span;
        var method = request.Head.MethodToken(head);
        // The path after the stage (as AWS's path); requestContext.path keeps the stage.
        var resourcePath = match.StagePrefixLength > 0 && match.StagePrefixLength <= path.Length ? path[match.StagePrefixLength..] : path;
        if (resourcePath.IsEmpty)
        {
            resourcePath = "/"u8;
        }

        json.WriteString("version"u8, "1.0"u8);
        json.WriteString("resource"u8, lambda.Resource);
        WriteText(json, "path"u8, resourcePath);
        WriteText(json, "httpMethod"u8, method);
        json.WriteStartObject("headers"u8);
        WriteHeaders(json, request, https, lowerCase: false, skipCookie: false);
        json.WriteEndObject();
        json.WriteStartObject("multiValueHeaders"u8);
        WriteMultiValueHeaders(json, request, https);
        json.WriteEndObject();
        if (_pairCount > 0)
        {
            json.WriteStartObject("queryStringParameters"u8);
            WriteQueryLast(json);
            json.WriteEndObject();
            json.WriteStartObject("multiValueQueryStringParameters"u8);
            WriteQueryMulti(json);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("queryStringParameters"u8);
            json.WriteNull("multiValueQueryStringParameters"u8);
        }

        json.WriteStartObject("requestContext"u8);
        json.WriteString("accountId"u8, AccountId);
        json.WriteString("apiId"u8, lambda.ApiId);
        WriteAuthorizer(json, request, version2: false);
        var authority = request.Head.Authority(head);
        WriteText(json, "domainName"u8, authority);
        WriteText(json, "domainPrefix"u8, DomainPrefix(authority));
        WriteText(json, "extendedRequestId"u8, request.RequestId);
        WriteText(json, "httpMethod"u8, method);
        json.WriteStartObject("identity"u8);
        var identity = request.Record.Identity;
        WriteTextOrNull(json, "accessKey"u8, identity is null ? default : identity.AccessKey);
        json.WriteNull("accountId"u8);
        WriteTextOrNull(json, "caller"u8, identity is null ? default : identity.UserArn);
        json.WriteNull("cognitoAuthenticationProvider"u8);
        json.WriteNull("cognitoAuthenticationType"u8);
        json.WriteNull("cognitoIdentityId"u8);
        json.WriteNull("cognitoIdentityPoolId"u8);
        json.WriteNull("principalOrgId"u8);
        WriteText(json, "sourceIp"u8, request.ClientAddress);
        json.WriteNull("user"u8);
        WriteText(json, "userAgent"u8, request.HeaderValue("user-agent"u8));
        WriteTextOrNull(json, "userArn"u8, identity is null ? default : identity.UserArn);
        json.WriteEndObject();
        WriteText(json, "path"u8, path);
        json.WriteString("protocol"u8, request.Head.Version == HttpVersion.Http10 ? "HTTP/1.0"u8 : "HTTP/1.1"u8);
        WriteText(json, "requestId"u8, request.RequestId);
        WriteTime(json, "requestTime"u8, now);
        json.WriteNumber("requestTimeEpoch"u8, now.ToUnixTimeMilliseconds());
        json.WriteString("resourceId"u8, lambda.RouteKey);
        json.WriteString("resourcePath"u8, lambda.Resource);
        json.WriteString("stage"u8, lambda.Stage);
        json.WriteEndObject();
        WritePathParameters(json, lambda, in match, path, nullWhenNone: true);
        WriteStageVariables(json, lambda, nullWhenNone: true);
    }

    /// <summary>
    /// <c>requestContext.authorizer</c> from the identity an authorizer step decided: 2.0's <c>jwt</c> (claims, scopes)
    /// or <c>iam</c>, 1.0's claims or principalId; absent without one. A request authorizer's context is not listed
    /// (only its principalId: its result exposes context lookups, not a list).
    /// </summary>
    private static void WriteAuthorizer(Utf8JsonWriter json, ClientRequest request, bool version2)
    {
        var identity = request.Record.Identity;
        if (identity is null)
        {
            return;
        }

        json.WriteStartObject("authorizer"u8);
        switch (identity)
        {
            case JwtIdentity jwt when version2:
                json.WriteStartObject("jwt"u8);
                json.WritePropertyName("claims"u8);
                json.WriteRawValue(jwt.Claims, skipInputValidation: false);
                json.WriteStartArray("scopes"u8);
                foreach (var scope in jwt.Scopes)
                {
                    WriteTextValue(json, scope);
                }

                json.WriteEndArray();
                json.WriteEndObject();
                break;
            case JwtIdentity jwt:
                json.WritePropertyName("claims"u8);
                json.WriteRawValue(jwt.Claims, skipInputValidation: false);
                break;
            case IamCredential when version2:
                json.WriteStartObject("iam"u8);
                WriteText(json, "accessKey"u8, identity.AccessKey);
                WriteText(json, "callerId"u8, identity.PrincipalId);
                WriteText(json, "userArn"u8, identity.UserArn);
                json.WriteEndObject();
                break;
            default:
                if (version2)
                {
                    json.WriteStartObject("lambda"u8);
                    WriteText(json, "principalId"u8, identity.PrincipalId);
                    json.WriteEndObject();
                }
                else
                {
                    WriteText(json, "principalId"u8, identity.PrincipalId);
                }

                break;
        }

        json.WriteEndObject();
    }

    /// <summary>One property per header name, in first-seen order: its values joined by commas (1.0: the last value, as AWS).</summary>
    private void WriteHeaders(Utf8JsonWriter json, ClientRequest request, bool https, bool lowerCase, bool skipCookie)
    {
        var head = request.Span;
        var headers = request.Headers;
        for (int i = 0; i < headers.Length; i++)
        {
            var name = headers[i].Name(head);
            if (SeenBefore(headers, i, head) || (skipCookie && Ascii.EqualsIgnoreCase(name, "cookie"u8)) || IsForwarded(name))
            {
                continue;
            }

            WriteName(json, name, lowerCase);
            if (lowerCase)
            {
                int length = 0;
                for (int j = i; j < headers.Length; j++)
                {
                    if (SameName(headers[j].Name(head), name))
                    {
                        if (length > 0)
                        {
                            length = Append(length, ","u8);
                        }

                        length = Append(length, headers[j].Value(head));
                    }
                }

                WriteTextValue(json, _join.AsSpan(0, length));
            }
            else
            {
                var last = headers[i].Value(head);
                for (int j = i + 1; j < headers.Length; j++)
                {
                    if (SameName(headers[j].Name(head), name))
                    {
                        last = headers[j].Value(head);
                    }
                }

                WriteTextValue(json, last);
            }
        }

        // AWS adds the client to X-Forwarded-For and says how it came.
        int forwarded = ForwardedFor(request);
        WriteName(json, "X-Forwarded-For"u8, lowerCase);
        WriteTextValue(json, _join.AsSpan(0, forwarded));
        WriteName(json, "X-Forwarded-Proto"u8, lowerCase);
        json.WriteStringValue(https ? "https"u8 : "http"u8);
    }

    private void WriteMultiValueHeaders(Utf8JsonWriter json, ClientRequest request, bool https)
    {
        var head = request.Span;
        var headers = request.Headers;
        for (int i = 0; i < headers.Length; i++)
        {
            var name = headers[i].Name(head);
            if (SeenBefore(headers, i, head) || IsForwarded(name))
            {
                continue;
            }

            WriteName(json, name, lowerCase: false);
            json.WriteStartArray();
            for (int j = i; j < headers.Length; j++)
            {
                if (SameName(headers[j].Name(head), name))
                {
                    WriteTextValue(json, headers[j].Value(head));
                }
            }

            json.WriteEndArray();
        }

        int forwarded = ForwardedFor(request);
        json.WriteStartArray("X-Forwarded-For"u8);
        WriteTextValue(json, _join.AsSpan(0, forwarded));
        json.WriteEndArray();
        json.WriteStartArray("X-Forwarded-Proto"u8);
        json.WriteStringValue(https ? "https"u8 : "http"u8);
        json.WriteEndArray();
    }

    /// <summary>The client's X-Forwarded-For values, then the client's address, into the join buffer; returns the length.</summary>
    private int ForwardedFor(ClientRequest request)
    {
        var head = request.Span;
        int length = 0;
        foreach (ref readonly var entry in request.Headers)
        {
            if (Ascii.EqualsIgnoreCase(entry.Name(head), "x-forwarded-for"u8))
            {
                length = Append(length, entry.Value(head));
                length = Append(length, ", "u8);
            }
        }

        return Append(length, request.ClientAddress);
    }

    private static bool IsForwarded(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "x-forwarded-for"u8) || Ascii.EqualsIgnoreCase(name, "x-forwarded-proto"u8);

    private static bool SeenBefore(ReadOnlySpan<HeaderEntry> headers, int index, ReadOnlySpan<byte> head)
    {
        var name = headers[index].Name(head);
        for (int j = 0; j < index; j++)
        {
            if (SameName(headers[j].Name(head), name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool SameName(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.Length == b.Length && Ascii.EqualsIgnoreCase(a, b);

    /// <summary>2.0's <c>cookies</c>: every Cookie header's pairs, split on ';' and trimmed; absent without a Cookie header.</summary>
    private static void WriteCookies(Utf8JsonWriter json, ClientRequest request)
    {
        var head = request.Span;
        bool any = false;
        foreach (ref readonly var entry in request.Headers)
        {
            if (!Ascii.EqualsIgnoreCase(entry.Name(head), "cookie"u8))
            {
                continue;
            }

            var rest = entry.Value(head);
            while (!rest.IsEmpty)
            {
                int semicolon = rest.IndexOf((byte)';');
                var cookie = (semicolon < 0 ? rest : rest[..semicolon]).Trim((byte)' ');
                rest = semicolon < 0 ? default : rest[(semicolon + 1)..];
                if (cookie.IsEmpty)
                {
                    continue;
                }

                if (!any)
                {
                    json.WriteStartArray("cookies"u8);
                    any = true;
                }

                WriteTextValue(json, cookie);
            }
        }

        if (any)
        {
            json.WriteEndArray();
        }
    }

    private static void WritePathParameters(Utf8JsonWriter json, LambdaIntegrationModel lambda, in RouteMatch match, ReadOnlySpan<byte> path, bool nullWhenNone)
    {
        int count = Math.Min(match.CaptureCount, lambda.ParameterNames.Length);
        if (count == 0)
        {
            if (nullWhenNone)
            {
                json.WriteNull("pathParameters"u8);
            }

            return;
        }

        json.WriteStartObject("pathParameters"u8);
        Span<byte> scratch = stackalloc byte[256];
        for (int i = 0; i < count; i++)
        {
            var capture = match.Captures[i];
            var raw = path.Slice(capture.Start, capture.Length);
            byte[]? rented = raw.Length > scratch.Length ? new byte[raw.Length] : null;
            var target = rented ?? scratch;
            int length = PercentDecode(raw, target, plusIsSpace: false);
            json.WritePropertyName(lambda.ParameterNames[i]);
            WriteTextValue(json, target[..length]);
        }

        json.WriteEndObject();
    }

    private static void WriteStageVariables(Utf8JsonWriter json, LambdaIntegrationModel lambda, bool nullWhenNone)
    {
        if (lambda.StageVariables.IsEmpty)
        {
            if (nullWhenNone)
            {
                json.WriteNull("stageVariables"u8);
            }

            return;
        }

        json.WriteStartObject("stageVariables"u8);
        foreach (var variable in lambda.StageVariables)
        {
            json.WriteString(variable.Key, variable.Value);
        }

        json.WriteEndObject();
    }

    /// <summary>The query's pairs percent-decoded (<c>+</c> as space) into the decoded buffer, their offsets into the pair table.</summary>
    private void DecodeQuery(ReadOnlySpan<byte> query)
    {
        _pairCount = 0;
        if (query.IsEmpty)
        {
            return;
        }

        if (_decoded.Length < query.Length)
        {
            _decoded = new byte[Math.Max(query.Length, _decoded.Length * 2)];
        }

        int used = 0;
        foreach (var pair in new QueryPairs(query))
        {
            if (_pairs.Length < (_pairCount + 1) * 4)
            {
                Array.Resize(ref _pairs, _pairs.Length * 2);
            }

            int nameLength = PercentDecode(pair.Name, _decoded.AsSpan(used), plusIsSpace: true);
            _pairs[_pairCount * 4] = used;
            _pairs[_pairCount * 4 + 1] = nameLength;
            used += nameLength;
            int valueLength = PercentDecode(pair.Value, _decoded.AsSpan(used), plusIsSpace: true);
            _pairs[_pairCount * 4 + 2] = used;
            _pairs[_pairCount * 4 + 3] = valueLength;
            used += valueLength;
            _pairCount++;
        }
    }

    private ReadOnlySpan<byte> PairName(int p) => _decoded.AsSpan(_pairs[p * 4], _pairs[p * 4 + 1]);

    private ReadOnlySpan<byte> PairValue(int p) => _decoded.AsSpan(_pairs[p * 4 + 2], _pairs[p * 4 + 3]);

    private bool PairSeenBefore(int p)
    {
        var name = PairName(p);
        for (int q = 0; q < p; q++)
        {
            if (PairName(q).SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }

    private void WriteQueryJoined(Utf8JsonWriter json)
    {
        for (int p = 0; p < _pairCount; p++)
        {
            if (PairSeenBefore(p))
            {
                continue;
            }

            var name = PairName(p);
            int length = 0;
            for (int q = p; q < _pairCount; q++)
            {
                if (PairName(q).SequenceEqual(name))
                {
                    if (length > 0)
                    {
                        length = Append(length, ","u8);
                    }

                    length = Append(length, PairValue(q));
                }
            }

            WriteTextName(json, name);
            WriteTextValue(json, _join.AsSpan(0, length));
        }
    }

    private void WriteQueryLast(Utf8JsonWriter json)
    {
        for (int p = 0; p < _pairCount; p++)
        {
            if (PairSeenBefore(p))
            {
                continue;
            }

            var name = PairName(p);
            int last = p;
            for (int q = p + 1; q < _pairCount; q++)
            {
                if (PairName(q).SequenceEqual(name))
                {
                    last = q;
                }
            }

            WriteTextName(json, name);
            WriteTextValue(json, PairValue(last));
        }
    }

    private void WriteQueryMulti(Utf8JsonWriter json)
    {
        for (int p = 0; p < _pairCount; p++)
        {
            if (PairSeenBefore(p))
            {
                continue;
            }

            var name = PairName(p);
            WriteTextName(json, name);
            json.WriteStartArray();
            for (int q = p; q < _pairCount; q++)
            {
                if (PairName(q).SequenceEqual(name))
                {
                    WriteTextValue(json, PairValue(q));
                }
            }

            json.WriteEndArray();
        }
    }

    /// <summary>Appends to the join buffer (grown as needed); returns the new length.</summary>
    private int Append(int length, ReadOnlySpan<byte> bytes)
    {
        if (_join.Length < length + bytes.Length)
        {
            Array.Resize(ref _join, Math.Max(length + bytes.Length, _join.Length * 2));
        }

        bytes.CopyTo(_join.AsSpan(length));
        return length + bytes.Length;
    }

    private static int PercentDecode(ReadOnlySpan<byte> input, Span<byte> output, bool plusIsSpace)
    {
        int n = 0;
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            if (b == (byte)'%' && i + 2 < input.Length && HexValue(input[i + 1]) is int hi and >= 0 && HexValue(input[i + 2]) is int lo and >= 0)
            {
                b = (byte)(hi << 4 | lo);
                i += 2;
            }
            else if (plusIsSpace && b == (byte)'+')
            {
                b = (byte)' ';
            }

            output[n++] = b;
        }

        return n;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    /// <summary>The Host's first label (<c>domainPrefix</c>), without a port.</summary>
    private static ReadOnlySpan<byte> DomainPrefix(ReadOnlySpan<byte> authority)
    {
        int colon = authority.LastIndexOf((byte)':');
        if (colon >= 0 && authority.IndexOf((byte)']') < colon)
        {
            authority = authority[..colon];
        }

        int dot = authority.IndexOf((byte)'.');
        return dot < 0 ? authority : authority[..dot];
    }

    /// <summary>AWS's <c>dd/MMM/yyyy:HH:mm:ss +0000</c>.</summary>
    private static void WriteTime(Utf8JsonWriter json, ReadOnlySpan<byte> name, DateTimeOffset now)
    {
        Span<byte> text = stackalloc byte[32];
        now.UtcDateTime.TryFormat(text, out int written, "dd/MMM/yyyy:HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture);
        json.WriteString(name, text[..written]);
    }

    private static void WriteName(Utf8JsonWriter json, ReadOnlySpan<byte> name, bool lowerCase)
    {
        if (!lowerCase)
        {
            WriteTextName(json, name);
            return;
        }

        Span<byte> lower = stackalloc byte[256];
        if (name.Length > lower.Length || Ascii.ToLower(name, lower, out int written) != System.Buffers.OperationStatus.Done)
        {
            // A header name is a token (ASCII): only an over-long one lands here.
            json.WritePropertyName(Encoding.Latin1.GetString(name).ToLowerInvariant());
            return;
        }

        WriteTextName(json, lower[..written]);
    }

    /// <summary>A property of bytes from the wire: UTF-8 as is, anything else (obs-text) as Latin-1.</summary>
    private static void WriteText(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        json.WritePropertyName(name);
        WriteTextValue(json, value);
    }

    private static void WriteTextOrNull(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            json.WriteNull(name);
        }
        else
        {
            WriteText(json, name, value);
        }
    }

    private static void WriteTextValue(Utf8JsonWriter json, ReadOnlySpan<byte> value)
    {
        if (Utf8.IsValid(value))
        {
            json.WriteStringValue(value);
        }
        else
        {
            json.WriteStringValue(Encoding.Latin1.GetString(value));
        }
    }

    private static void WriteTextName(Utf8JsonWriter json, ReadOnlySpan<byte> name)
    {
        if (Utf8.IsValid(name))
        {
            json.WritePropertyName(name);
        }
        else
        {
            json.WritePropertyName(Encoding.Latin1.GetString(name));
        }
    }

    /// <summary>
    /// Whether a body of this Content-Type goes to the function as text: <c>text/*</c>, JSON, XML, JavaScript and
    /// GraphQL types (<c>+json</c>/<c>+xml</c> suffixes too). Anything else — images, octet streams, forms,
    /// no Content-Type at all — is base64, as HTTP APIs send non-text payloads.
    /// </summary>
    public static bool IsTextual(ReadOnlySpan<byte> contentType)
    {
        int semicolon = contentType.IndexOf((byte)';');
        var type = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim((byte)' ');
        if (type.IsEmpty)
        {
            return false;
        }

        if (type.Length >= 5 && Ascii.EqualsIgnoreCase(type[..5], "text/"u8))
        {
            return true;
        }

        return Ascii.EqualsIgnoreCase(type, "application/json"u8) || Ascii.EqualsIgnoreCase(type, "application/xml"u8)
            || Ascii.EqualsIgnoreCase(type, "application/javascript"u8) || Ascii.EqualsIgnoreCase(type, "application/graphql"u8)
            || EndsWithIgnoreCase(type, "+json"u8) || EndsWithIgnoreCase(type, "+xml"u8);
    }

    private static bool EndsWithIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> suffix) =>
        value.Length >= suffix.Length && Ascii.EqualsIgnoreCase(value[^suffix.Length..], suffix);
}
