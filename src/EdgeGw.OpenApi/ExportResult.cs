using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi.YamlReader;
using SharpYaml.Serialization;

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

    public string ToYaml()
    {
        if (Document is null)
        {
            return "";
        }

        var stream = new YamlStream(new YamlDocument(Document.ToYamlNode()));
        var text = new StringWriter();
        stream.Save(text, false);
        return text.ToString();
    }
}
