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
internal sealed partial class LambdaEventWriter
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
}
