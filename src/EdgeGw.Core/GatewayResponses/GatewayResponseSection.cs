using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Observability;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.GatewayResponses;

/// <summary>One entry of <c>gatewayResponses</c> as written: <c>statusCode</c>, <c>headers</c>, <c>body</c>; null members keep the built-in's.</summary>
internal sealed record GatewayResponseConfig(string Type, int? StatusCode, ImmutableArray<KeyValuePair<string, string>> Headers, string? Body);

/// <summary>
/// <c>apis[].gatewayResponses</c>: per-API replacements of the gateway's own answers, keyed by AWS's gateway
/// response types (<c>THROTTLED</c>, <c>DEFAULT_4XX</c>, …), read and validated for the API section and
/// compiled into a <see cref="GatewayResponseSet"/> that every route of the API shares.
/// </summary>
internal static class GatewayResponseSection
{
    /// <summary>A body template's limit (AWS's mapping templates are larger; a gateway answer needs far less).</summary>
    public const int MaxBodyBytes = 4096;
    public const int MaxHeaders = 32;
    public const int MaxHeaderValueBytes = 1024;

    private static readonly string[] Keys = ["statusCode", "headers", "body"];

    /// <summary>AWS's types that EdgeGw never answers with: accepted (configs stay portable), with a warning.</summary>
    private static readonly string[] NeverAnsweredTypes = ["API_CONFIGURATION_ERROR", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED"];

    public static ImmutableArray<GatewayResponseConfig> Read(ConfigReader reader, IConfigurationSection section, string path)
    {
        var items = ImmutableArray.CreateBuilder<GatewayResponseConfig>();
        if (!section.Exists())
        {
            return items.ToImmutable();
        }

        if (section.Value is { Length: > 0 })
        {
            reader.Error(path, "expected an object of gateway response types (\"THROTTLED\": {...})");
            return items.ToImmutable();
        }

        foreach (var child in section.GetChildren())
        {
            string childPath = ConfigReader.Join(path, child.Key);
            reader.CheckObject(child, childPath, Keys);
            items.Add(new GatewayResponseConfig(
                child.Key,
                reader.ReadInt(child, childPath, "statusCode"),
                reader.ReadMap(child.GetSection("headers"), ConfigReader.Join(childPath, "headers")),
                child["body"]));
        }

        return items.ToImmutable();
    }

    /// <summary>
    /// The type named <paramref name="name"/> (AWS's spelling; case-insensitive, as every configuration key is);
    /// false for a name EdgeGw does not know.
    /// </summary>
    public static bool TryParseType(string name, out GatewayErrorType type)
    {
        Span<byte> utf8 = stackalloc byte[64];
        if (name.Length is > 0 and <= 64 && Encoding.ASCII.TryGetBytes(name.ToUpperInvariant(), utf8, out int length))
        {
            for (type = GatewayErrorType.Default4xx; type <= GatewayErrorType.MissingAuthenticationTokenIam; type++)
            {
                if (GatewayErrorTypes.Name(type).SequenceEqual(utf8[..length]))
                {
                    return true;
                }
            }
        }

        type = GatewayErrorType.None;
        return false;
    }

    public static void Validate(ConfigChecks checks, ImmutableArray<GatewayResponseConfig> responses, string path)
    {
        foreach (var response in responses)
        {
            string at = $"{path}.{response.Type}";
            bool isDefault = TryParseType(response.Type, out var parsed) && parsed is GatewayErrorType.Default4xx or GatewayErrorType.Default5xx;
            if (!TryParseType(response.Type, out _))
            {
                if (Array.IndexOf(NeverAnsweredTypes, response.Type.ToUpperInvariant()) >= 0)
                {
                    checks.Warning(at, $"EdgeGw never answers with {response.Type}: this response is never sent");
                }
                else
                {
                    checks.Error(at, $"'{response.Type}' is not an AWS gateway response type (e.g. THROTTLED, UNAUTHORIZED, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX; see README \"Gateway responses\")");
                }
            }

            if (response.StatusCode is { } status)
            {
                if (isDefault)
                {
                    checks.Error($"{at}.statusCode", "DEFAULT_4XX and DEFAULT_5XX keep each answer's own status; set statusCode on the specific type");
                }
                else if (status is < 200 or > 599 or 204 or 304)
                {
                    checks.Error($"{at}.statusCode", $"{status} is not a status a gateway answer can carry (200..599, not 204 or 304: the answer has a body)");
                }
            }

            if (response.Headers.Length > MaxHeaders)
            {
                checks.Error($"{at}.headers", $"at most {MaxHeaders} headers");
            }

            foreach (var header in response.Headers)
            {
                string headerPath = $"{at}.headers.{header.Key}";
                if (header.Key.Length is 0 or > 256 || header.Key.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
                {
                    checks.Error(headerPath, "not a header name (an RFC 9110 token)");
                }
                else if (ConfigChecks.IsGatewayOwnedHeader(header.Key) || header.Key.Equals("x-request-id", StringComparison.OrdinalIgnoreCase))
                {
                    checks.Error(headerPath, $"{header.Key} is set by the gateway itself");
                }

                if (!IsHeaderValue(header.Value))
                {
                    checks.Error(headerPath, $"a header value is visible ASCII, spaces and tabs, at most {MaxHeaderValueBytes} characters");
                }
            }

            if (response.Body is { } body)
            {
                if (Encoding.UTF8.GetByteCount(body) > MaxBodyBytes)
                {
                    checks.Error($"{at}.body", $"a body template is at most {MaxBodyBytes} bytes");
                }

                var errors = new List<string>();
                ContextTemplate.Parse(body, ContextTemplate.IsJson(body) ? AccessLogEscape.Json : AccessLogEscape.Text, errors, out _);
                foreach (string error in errors)
                {
                    checks.Error($"{at}.body", error);
                }
            }
        }
    }

    /// <summary>The compiled set of a validated API's responses; null when it configures none.</summary>
    public static GatewayResponseSet? Compile(ImmutableArray<GatewayResponseConfig> responses)
    {
        if (responses.IsDefaultOrEmpty)
        {
            return null;
        }

        var byType = new GatewayResponseDefinition?[(int)GatewayErrorType.MissingAuthenticationTokenIam + 1];
        foreach (var response in responses)
        {
            if (!TryParseType(response.Type, out var type))
            {
                continue;
            }

            var definition = CompileOne(response);
            byType[(int)type] = definition;
            if (type == GatewayErrorType.MissingAuthenticationToken)
            {
                byType[(int)GatewayErrorType.MissingAuthenticationTokenIam] = definition;
            }
        }

        return new GatewayResponseSet(byType);
    }

    private static GatewayResponseDefinition CompileOne(GatewayResponseConfig response)
    {
        var headers = new StringBuilder();
        bool hasContentType = false;
        foreach (var header in response.Headers)
        {
            hasContentType |= header.Key.Equals("content-type", StringComparison.OrdinalIgnoreCase);
            headers.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        }

        if (!hasContentType)
        {
            headers.Insert(0, "Content-Type: application/json\r\n");
        }

        ImmutableArray<AccessLogPart> parts = default;
        if (response.Body is { } body)
        {
            parts = ContextTemplate.Parse(body, ContextTemplate.IsJson(body) ? AccessLogEscape.Json : AccessLogEscape.Text, [], out _);
        }

        return new GatewayResponseDefinition(response.Type, response.StatusCode ?? 0, Encoding.ASCII.GetBytes(headers.ToString()), parts);
    }

    private static bool IsHeaderValue(string value)
    {
        if (value.Length > MaxHeaderValueBytes)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (c is not ('\t' or (>= ' ' and <= '~')))
            {
                return false;
            }
        }

        return true;
    }
}
