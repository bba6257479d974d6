using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Microsoft.OpenApi.YamlReader;
using SharpYaml.Serialization;

namespace EdgeGw.OpenApi;

/// <summary>
/// Reads an OpenAPI document (JSON or YAML) into one JSON tree, and has Microsoft.OpenApi check it: the conversion
/// walks the tree as written (so every warning's pointer is where the construct stands in the file, for Swagger 2.0
/// and OpenAPI 3.x alike, and the AWS extensions are plain JSON), while the library decides the version (2.0, 3.0,
/// 3.1; 3.x reads 2.0 itself, there is no separate 2.0 reader to add) and whether the document is valid OpenAPI.
/// </summary>
public static class OpenApiSource
{
    /// <summary>True for a JSON object or YAML mapping with a top-level <c>openapi</c> or <c>swagger</c> key.</summary>
    public static bool IsOpenApi(JsonObject? document) => document is not null && (document.ContainsKey("openapi") || document.ContainsKey("swagger"));

    /// <summary>
    /// Whether the file should be read as OpenAPI rather than as an EdgeGw config: a <c>.yaml</c>/<c>.yml</c> file, or
    /// a JSON object whose top level has <c>openapi</c> or <c>swagger</c> (EdgeGw configs have neither).
    /// </summary>
    public static bool LooksLikeOpenApi(string path, ReadOnlySpan<byte> bytes)
    {
        if (IsYamlPath(path))
        {
            return true;
        }

        try
        {
            var reader = new Utf8JsonReader(bytes.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            // Only the top level: skip every value, look at the names.
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("openapi"u8) || reader.ValueTextEquals("swagger"u8))
                {
                    return true;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Malformed JSON is the config loader's to report, with line and column.
        }

        return false;
    }

    private static bool IsYamlPath(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    /// <summary>The document as one JSON tree, or null and <paramref name="error"/> (<c>name: reason</c>).</summary>
    public static JsonObject? Parse(string name, byte[] bytes, out string? error)
    {
        string text = Encoding.UTF8.GetString(bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes.AsSpan(3) : bytes);
        JsonNode? node;
        try
        {
            if (text.TrimStart().StartsWith('{'))
            {
                node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            }
            else
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(text));
                node = stream.Documents.Count == 0 ? null : stream.Documents[0].ToJsonNode();
            }
        }
        catch (JsonException e)
        {
            error = $"{name}: invalid JSON: {e.Message}";
            return null;
        }
        catch (Exception e) when (e is SharpYaml.YamlException or InvalidOperationException or FormatException)
        {
            error = $"{name}: invalid YAML: {e.Message}";
            return null;
        }

        if (node is not JsonObject document)
        {
            error = $"{name}: the document must be an object (a YAML mapping)";
            return null;
        }

        error = null;
        return document;
    }

    /// <summary>
    /// API Gateway's greedy <c>{proxy+}</c> segment, declared as the parameter <c>proxy</c> (as AWS exports it), is
    /// not plain OpenAPI: the library's path-parameter rule does not apply to such a path, and its path-signature
    /// rule takes <c>/{id}</c> and <c>/{proxy+}</c> for one path. Which paths collide is the config loader's to say
    /// (it knows greedy segments: "matches the same requests as routes[i]").
    /// </summary>
    private static bool IsGreedyPathRule(OpenApiError error) =>
        error.Message.Contains("path signature", StringComparison.Ordinal)
        || (error.Pointer?.Contains("+}", StringComparison.Ordinal) == true && error.Message.Contains("Declared path parameter", StringComparison.Ordinal));

    /// <summary>
    /// Microsoft.OpenApi's reading of the tree: the version (null when it cannot read the document, with why in
    /// <paramref name="errors"/>); its errors and warnings are added to <paramref name="warnings"/> with their pointers.
    /// </summary>
    internal static OpenApiSpecVersion? Check(JsonObject document, List<string> errors, List<ImportWarning> warnings)
    {
        var settings = new OpenApiReaderSettings();
        settings.AddYamlReader();
        ReadResult result;
        try
        {
            // The reader takes its own copy: the library may rewrite nodes it resolves.
            result = new OpenApiJsonReader().Read(document.DeepClone(), new Uri("file:///openapi.json"), settings);
        }
        catch (OpenApiUnsupportedSpecVersionException e)
        {
            errors.Add($"/: {e.Message}");
            return null;
        }
        catch (OpenApiException e)
        {
            errors.Add($"{(string.IsNullOrEmpty(e.Pointer) ? "/" : e.Pointer)}: {e.Message}");
            return null;
        }

        if (result.Diagnostic is { } diagnostic)
        {
            // The library's errors do not stop the conversion (AWS's own exports have some, such as a $default stage's
            // basePath default of ""): each is a warning; only a document the library cannot read at all is refused.
            foreach (var error in diagnostic.Errors)
            {
                if (IsGreedyPathRule(error))
                {
                    continue;
                }

                warnings.Add(new ImportWarning(error.Pointer?.TrimStart('#') ?? "", $"not valid OpenAPI: {error.Message}"));
            }

            foreach (var warning in diagnostic.Warnings)
            {
                warnings.Add(new ImportWarning(warning.Pointer?.TrimStart('#') ?? "", warning.Message));
            }

            return result.Document is not null && diagnostic.SpecificationVersion != OpenApiSpecVersion.OpenApi3_2 ? diagnostic.SpecificationVersion : null;
        }

        return null;
    }
}
