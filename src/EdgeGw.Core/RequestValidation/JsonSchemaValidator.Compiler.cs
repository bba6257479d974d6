using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeGw.Core.RequestValidation;

/// <summary>The compiler: a schema document's keywords read into schema nodes, local $ref pointers resolved.</summary>
public sealed partial class JsonSchemaValidator
{
    private sealed class Compiler(JsonElement root, SchemaDialect dialect)
    {
        private readonly List<SchemaNode> _refs = [];
        private readonly Dictionary<string, SchemaNode> _byPointer = new(StringComparer.Ordinal);

        public SchemaNode Compile(JsonElement schema, string pointer)
        {
            if (_byPointer.TryGetValue(pointer, out var known))
            {
                return known;
            }

            var node = new SchemaNode();
            _byPointer[pointer] = node;
            if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False && dialect == SchemaDialect.Draft202012)
            {
                node.AlwaysFalse = schema.ValueKind == JsonValueKind.False;
                return node;
            }

            if (schema.ValueKind != JsonValueKind.Object)
            {
                throw new SchemaException($"{pointer}: a schema is an object{(dialect == SchemaDialect.Draft202012 ? " or a boolean" : "")}");
            }

            if (schema.TryGetProperty("$ref", out var reference))
            {
                node.Ref = reference.GetString();
                _refs.Add(node);
                if (dialect == SchemaDialect.Draft4)
                {
                    return node; // draft-04: $ref replaces its siblings
                }
            }

            foreach (var keyword in schema.EnumerateObject())
            {
                string path = $"{pointer}/{keyword.Name}";
                var value = keyword.Value;
                switch (keyword.Name)
                {
                    case "type":
                        node.Types = value.ValueKind == JsonValueKind.Array ? TypesOf(value, path) : TypeOf(value, path);
                        break;
                    case "enum":
                        node.Enum = [.. Array(value, path).EnumerateArray().Select(e => e.Clone())];
                        break;
                    case "const" when dialect == SchemaDialect.Draft202012:
                        node.Const = value.Clone();
                        break;
                    case "properties":
                        node.Properties = [.. Object(value, path).EnumerateObject().Select(p => (p.Name, System.Text.Encoding.UTF8.GetBytes(p.Name), Compile(p.Value, $"{path}/{Escape(p.Name)}")))];
                        break;
                    case "patternProperties":
                        node.PatternProperties = [.. Object(value, path).EnumerateObject().Select(p => (Regex(p.Name, path), Compile(p.Value, $"{path}/{Escape(p.Name)}")))];
                        break;
                    case "additionalProperties":
                        node.AdditionalProperties = Boolean(value) is { } allowed ? (allowed ? null : new SchemaNode { AlwaysFalse = true }) : Compile(value, path);
                        break;
                    case "required":
                        node.Required = [.. Array(value, path).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new SchemaException($"{path}: names are strings"))];
                        break;
                    case "minProperties":
                        node.MinProperties = Count(value, path);
                        break;
                    case "maxProperties":
                        node.MaxProperties = Count(value, path);
                        break;
                    case "prefixItems" when dialect == SchemaDialect.Draft202012:
                        node.PrefixItems = [.. Array(value, path).EnumerateArray().Select((e, i) => Compile(e, $"{path}/{i}"))];
                        break;
                    case "items":
                        if (value.ValueKind == JsonValueKind.Array && dialect == SchemaDialect.Draft4)
                        {
                            node.PrefixItems = [.. value.EnumerateArray().Select((e, i) => Compile(e, $"{path}/{i}"))];
                            node.Items ??= schema.TryGetProperty("additionalItems", out var additional)
                                ? Boolean(additional) is { } more ? (more ? null : new SchemaNode { AlwaysFalse = true }) : Compile(additional, $"{pointer}/additionalItems")
                                : null;
                        }
                        else
                        {
                            node.Items = Compile(value, path);
                        }

                        break;
                    case "contains" when dialect == SchemaDialect.Draft202012:
                        node.Contains = Compile(value, path);
                        break;
                    case "minItems":
                        node.MinItems = Count(value, path);
                        break;
                    case "maxItems":
                        node.MaxItems = Count(value, path);
                        break;
                    case "uniqueItems":
                        node.UniqueItems = Boolean(value) ?? throw new SchemaException($"{path}: a boolean");
                        break;
                    case "minimum":
                        node.Minimum = Number(value, path);
                        break;
                    case "maximum":
                        node.Maximum = Number(value, path);
                        break;
                    case "exclusiveMinimum":
                    case "exclusiveMaximum":
                        break; // below: their meaning depends on the dialect
                    case "multipleOf":
                        node.MultipleOf = Number(value, path) is > 0 and var step ? step : throw new SchemaException($"{path}: a number above 0");
                        break;
                    case "minLength":
                        node.MinLength = Count(value, path);
                        break;
                    case "maxLength":
                        node.MaxLength = Count(value, path);
                        break;
                    case "pattern":
                        node.Pattern = Regex(value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new SchemaException($"{path}: a string"), path);
                        break;
                    case "allOf":
                        node.AllOf = Schemas(value, path);
                        break;
                    case "anyOf":
                        node.AnyOf = Schemas(value, path);
                        break;
                    case "oneOf":
                        node.OneOf = Schemas(value, path);
                        break;
                    case "not":
                        node.Not = Compile(value, path);
                        break;
                    case "unevaluatedProperties" or "unevaluatedItems" or "dependentSchemas" or "dependentRequired" or "dependencies"
                        or "$dynamicRef" or "$recursiveRef" or "if" or "then" or "else" or "propertyNames" or "minContains" or "maxContains":
                        throw new SchemaException($"{path}: EdgeGw does not check '{keyword.Name}' (see README \"Request validation\")");
                    case "definitions":
                    case "$defs":
                        foreach (var definition in Object(value, path).EnumerateObject())
                        {
                            Compile(definition.Value, $"{path}/{Escape(definition.Name)}");
                        }

                        break;
                }
            }

            if (dialect == SchemaDialect.Draft4)
            {
                // draft-04: exclusiveMinimum/Maximum are booleans that make minimum/maximum exclusive.
                if (schema.TryGetProperty("exclusiveMinimum", out var xmin) && Boolean(xmin) == true && node.Minimum is { } min)
                {
                    node.ExclusiveMinimum = min;
                    node.Minimum = null;
                }

                if (schema.TryGetProperty("exclusiveMaximum", out var xmax) && Boolean(xmax) == true && node.Maximum is { } max)
                {
                    node.ExclusiveMaximum = max;
                    node.Maximum = null;
                }
            }
            else
            {
                if (schema.TryGetProperty("exclusiveMinimum", out var xmin))
                {
                    node.ExclusiveMinimum = Number(xmin, $"{pointer}/exclusiveMinimum");
                }

                if (schema.TryGetProperty("exclusiveMaximum", out var xmax))
                {
                    node.ExclusiveMaximum = Number(xmax, $"{pointer}/exclusiveMaximum");
                }
            }

            node.Seal();
            return node;
        }

        public void ResolveRefs()
        {
            for (int i = 0; i < _refs.Count; i++)
            {
                var node = _refs[i];
                string reference = node.Ref!;
                if (!reference.StartsWith('#'))
                {
                    throw new SchemaException($"$ref '{reference}': only references inside the model (\"#...\") are supported");
                }

                string pointer = Uri.UnescapeDataString(reference);
                if (pointer == "#/" || pointer == "#")
                {
                    pointer = "#";
                }

                if (!_byPointer.TryGetValue(pointer, out var target))
                {
                    var element = Navigate(pointer) ?? throw new SchemaException($"$ref '{reference}' points at nothing in the model");
                    target = Compile(element, pointer);
                }

                node.RefTarget = target;
            }
        }

        private JsonElement? Navigate(string pointer)
        {
            var current = root;
            foreach (string raw in pointer.Split('/').Skip(1))
            {
                string token = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(token, out var next))
                {
                    current = next;
                }
                else if (current.ValueKind == JsonValueKind.Array && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < current.GetArrayLength())
                {
                    current = current[index];
                }
                else
                {
                    return null;
                }
            }

            return current;
        }

        private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

        private SchemaNode[] Schemas(JsonElement value, string path) =>
            [.. Array(value, path).EnumerateArray().Select((e, i) => Compile(e, $"{path}/{i}"))];

        private static JsonElement Array(JsonElement value, string path) =>
            value.ValueKind == JsonValueKind.Array ? value : throw new SchemaException($"{path}: an array");

        private static JsonElement Object(JsonElement value, string path) =>
            value.ValueKind == JsonValueKind.Object ? value : throw new SchemaException($"{path}: an object");

        private static bool? Boolean(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };

        private static double Number(JsonElement value, string path) =>
            value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw new SchemaException($"{path}: a number");

        private static int Count(JsonElement value, string path) =>
            value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double d) && d >= 0 && Math.Floor(d) == d && d <= int.MaxValue
                ? (int)d
                : throw new SchemaException($"{path}: a whole number, 0 or more");

        private static Regex Regex(string pattern, string path)
        {
            try
            {
                // ECMA-262 patterns are unanchored; a timeout bounds a pathological one.
                return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromMilliseconds(50));
            }
            catch (ArgumentException)
            {
                throw new SchemaException($"{path}: '{pattern}' is not a valid regular expression");
            }
        }

        private static JsonTypes TypeOf(JsonElement value, string path) => value.ValueKind == JsonValueKind.String
            ? value.GetString() switch
            {
                "null" => JsonTypes.Null,
                "boolean" => JsonTypes.Boolean,
                "object" => JsonTypes.Object,
                "array" => JsonTypes.Array,
                "number" => JsonTypes.Number,
                "string" => JsonTypes.String,
                "integer" => JsonTypes.Integer,
                var other => throw new SchemaException($"{path}: '{other}' is not a JSON Schema type"),
            }
            : throw new SchemaException($"{path}: a type name or an array of them");

        private static JsonTypes TypesOf(JsonElement value, string path)
        {
            var types = JsonTypes.None;
            foreach (var item in value.EnumerateArray())
            {
                types |= TypeOf(item, path);
            }

            return types;
        }
    }
}
