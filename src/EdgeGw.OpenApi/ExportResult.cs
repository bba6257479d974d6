using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text;

namespace EdgeGw.OpenApi;

/// <summary>An OpenAPI 3.0 document (null with <see cref="Error"/> when the API cannot be found) and what it leaves out.</summary>
public sealed class ExportResult
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal ExportResult(JsonObject? document, IReadOnlyList<string> warnings, string? error)
    {
        Document = document;
        Warnings = warnings;
        Error = error;
    }

    public JsonObject? Document { get; }

    /// <summary>Settings of the config that OpenAPI has no place for, each with its config path.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public string? Error { get; }

    public string ToJson() => Document?.ToJsonString(Indented) ?? "";

    /// <summary>
    /// Block-style YAML. Every string is written double-quoted with JSON's escapes (valid YAML), so a value such as
    /// <c>'1'</c> (API Gateway's literal syntax) or <c>true</c> reads back as the same string.
    /// </summary>
    public string ToYaml()
    {
        if (Document is null)
        {
            return "";
        }

        var text = new StringBuilder();
        WriteYaml(text, Document, 0);
        return text.ToString();
    }

    private static void WriteYaml(StringBuilder text, JsonNode? node, int indent)
    {
        string pad = new(' ', indent);
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                foreach (var (key, value) in o)
                {
                    text.Append(pad).Append(Scalar(key)).Append(':');
                    WriteValue(text, value, indent);
                }

                break;
            case JsonArray a when a.Count > 0:
                foreach (var item in a)
                {
                    text.Append(pad).Append('-');
                    WriteValue(text, item, indent);
                }

                break;
        }
    }

    private static void WriteValue(StringBuilder text, JsonNode? value, int indent)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 } or JsonArray { Count: > 0 }:
                text.Append('\n');
                WriteYaml(text, value, indent + 2);
                break;
            case JsonObject:
                text.Append(" {}\n");
                break;
            case JsonArray:
                text.Append(" []\n");
                break;
            case null:
                text.Append(" null\n");
                break;
            default:
                text.Append(' ').Append(value.GetValueKind() == JsonValueKind.String ? Scalar(value.GetValue<string>()) : value.ToJsonString()).Append('\n');
                break;
        }
    }

    private static string Scalar(string value) => JsonSerializer.Serialize(value, Indented);
}
