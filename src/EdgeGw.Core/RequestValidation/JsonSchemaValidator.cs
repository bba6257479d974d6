using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeGw.Core.RequestValidation;

/// <summary>The JSON Schema dialect of a model: draft-04 (AWS's) or 2020-12 (by <c>$schema</c>; 2020-12 when absent).</summary>
public enum SchemaDialect : byte
{
    Draft4,
    Draft202012,
}

/// <summary>
/// A JSON Schema (draft-04 or 2020-12) compiled once into a tree of checks over <see cref="JsonElement"/>s: the
/// keywords an API model uses (type, enum, const, properties, required, additionalProperties, patternProperties,
/// items/prefixItems/additionalItems, contains, min/max length/items/properties, uniqueItems, minimum/maximum and
/// their exclusive forms, multipleOf, pattern, allOf/anyOf/oneOf/not, local <c>$ref</c>). <c>format</c> and
/// unknown keywords are annotations. Validation is a walk with no allocation beyond the regex engine's.
/// </summary>
public sealed partial class JsonSchemaValidator
{
    private readonly SchemaNode _root;

    private JsonSchemaValidator(SchemaNode root, SchemaDialect dialect)
    {
        _root = root;
        Dialect = dialect;
    }

    public SchemaDialect Dialect { get; }

    /// <summary>Compiles <paramref name="schema"/>; null with <paramref name="error"/> set when it is not a schema EdgeGw can check.</summary>
    public static JsonSchemaValidator? Compile(JsonElement schema, out string error, SchemaDialect? dialect = null)
    {
        var resolved = dialect ?? DialectOf(schema);
        var compiler = new Compiler(schema, resolved);
        try
        {
            var root = compiler.Compile(schema, "#");
            compiler.ResolveRefs();
            error = "";
            return new JsonSchemaValidator(root, resolved);
        }
        catch (SchemaException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    public static SchemaDialect DialectOf(JsonElement schema)
    {
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$schema", out var uri) && uri.ValueKind == JsonValueKind.String)
        {
            string text = uri.GetString()!;
            if (text.Contains("draft-04", StringComparison.Ordinal))
            {
                return SchemaDialect.Draft4;
            }
        }

        return SchemaDialect.Draft202012;
    }

    public bool IsValid(JsonElement instance) => _root.IsValid(instance);

    /// <summary>Parses and validates a UTF-8 JSON document; invalid JSON is invalid.</summary>
    public bool IsValid(System.Buffers.ReadOnlySequence<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            return _root.IsValid(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private sealed class SchemaException(string message) : Exception(message);

    [Flags]
    private enum JsonTypes : byte
    {
        None = 0,
        Null = 1,
        Boolean = 2,
        Object = 4,
        Array = 8,
        Number = 16,
        String = 32,
        Integer = 64,
    }
}
