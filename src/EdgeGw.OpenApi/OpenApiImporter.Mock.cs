using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary>A <c>mock</c> integration: the status its request template selects, and that response's headers and body.</summary>
public sealed partial class OpenApiImporter
{
    private JsonObject? ReadMock(JsonObject aws, string pointer)
    {
        WarnUnknownKeys(aws, pointer, MockKeys, "mock integration");
        int status = 200;
        string templatesPointer = JsonPointer.Append(pointer, "requestTemplates");
        if (Object(aws, "requestTemplates") is { } templates && (templates["application/json"] ?? (templates.Count > 0 ? templates.First().Value : null)) is { } template)
        {
            string text = Text(template) ?? "";
            try
            {
                if (JsonNode.Parse(text) is JsonObject selector && Integer(selector["statusCode"]) is { } selected)
                {
                    status = selected;
                }
                else
                {
                    Warn(templatesPointer, "the request template does not name a statusCode: status 200 selects the response");
                }
            }
            catch (JsonException)
            {
                Warn(templatesPointer, "the request template is not plain JSON (mapping templates are not evaluated): status 200 selects the response");
            }
        }

        var mock = new JsonObject { ["type"] = "mock", ["status"] = status };
        string responsesPointer = JsonPointer.Append(pointer, "responses");
        if (Object(aws, "responses") is not { } responses)
        {
            return mock;
        }

        // The response whose statusCode is the selected one; else "default" (AWS picks by selection pattern, and a
        // mock's selection pattern sees no backend answer, so "default" is what AWS would use).
        string? chosen = null;
        foreach (var (pattern, response) in responses)
        {
            if (response is JsonObject r && Integer(r["statusCode"]) == status && chosen is null)
            {
                chosen = pattern;
            }
        }

        chosen ??= responses.ContainsKey("default") ? "default" : null;
        if (chosen is null || responses[chosen] is not JsonObject selectedResponse)
        {
            Warn(responsesPointer, $"no response for status {status}: the mock answers with an empty body");
            return mock;
        }

        string at = JsonPointer.Append(responsesPointer, chosen);
        if (Integer(selectedResponse["statusCode"]) is { } responseStatus)
        {
            mock["status"] = responseStatus;
            status = responseStatus;
        }

        foreach (var (key, _) in selectedResponse)
        {
            if (key is not ("statusCode" or "responseParameters" or "responseTemplates"))
            {
                Warn(JsonPointer.Append(at, key), $"{key} is not used by a mock: ignored");
            }
        }

        if (Object(selectedResponse, "responseParameters") is { } parameters)
        {
            var headers = new JsonObject();
            foreach (var (key, value) in parameters)
            {
                string text = Text(value) ?? "";
                const string prefix = "method.response.header.";
                if (key.StartsWith(prefix, StringComparison.Ordinal) && text.Length >= 2 && text[0] == '\'' && text[^1] == '\'')
                {
                    headers[key[prefix.Length..]] = text[1..^1];
                }
                else
                {
                    Warn(JsonPointer.Append(JsonPointer.Append(at, "responseParameters"), key), "a mock's headers are literal values ('…') only: ignored");
                }
            }

            if (headers.Count > 0)
            {
                mock["headers"] = headers;
            }
        }

        if (Object(selectedResponse, "responseTemplates") is { Count: > 0 } bodies)
        {
            var body = bodies["application/json"] ?? bodies.First().Value;
            string text = Text(body) ?? "";
            if (text.Contains("$input", StringComparison.Ordinal) || text.Contains("#set", StringComparison.Ordinal) || text.Contains("$context", StringComparison.Ordinal))
            {
                Warn(JsonPointer.Append(at, "responseTemplates"), "mapping templates are not evaluated: the body is sent as written");
            }

            if (status is 204 or 304)
            {
                if (text.Length > 0)
                {
                    Warn(JsonPointer.Append(at, "responseTemplates"), $"a {status} response has no body: the template is not used");
                }
            }
            else if (text.Length > 0)
            {
                mock["body"] = text;
            }
        }

        foreach (var (pattern, _) in responses)
        {
            if (pattern != chosen)
            {
                Warn(JsonPointer.Append(responsesPointer, pattern), "a mock answers with one response: this one is not used");
            }
        }

        return mock;
    }
}
