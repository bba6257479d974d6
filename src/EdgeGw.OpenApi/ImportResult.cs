using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary>An EdgeGw config (<see cref="Config"/>, null when the document could not be read) and what did not carry over.</summary>
public sealed class ImportResult
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal ImportResult(JsonObject? config, IReadOnlyList<ImportWarning> warnings, IReadOnlyList<string> errors)
    {
        Config = config;
        Warnings = warnings;
        Errors = errors;
    }

    public JsonObject? Config { get; }

    public IReadOnlyList<ImportWarning> Warnings { get; }

    /// <summary>Why the document could not be converted (unreadable, not OpenAPI 2.0/3.x, invalid); empty on success.</summary>
    public IReadOnlyList<string> Errors { get; }

    public string ToJson() => Config?.ToJsonString(Indented) ?? "";

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(Config, Indented);
}
