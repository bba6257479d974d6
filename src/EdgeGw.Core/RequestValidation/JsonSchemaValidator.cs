using System.Globalization;
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
public sealed class JsonSchemaValidator
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

    private sealed class SchemaNode
    {
        public bool AlwaysFalse;
        public JsonTypes Types;
        public JsonElement[]? Enum;
        public JsonElement? Const;
        public (string Name, SchemaNode Schema)[]? Properties;
        public string[]? Required;
        public (Regex Pattern, SchemaNode Schema)[]? PatternProperties;
        public SchemaNode? AdditionalProperties;
        public int MinProperties = -1;
        public int MaxProperties = -1;
        public SchemaNode[]? PrefixItems;
        public SchemaNode? Items;
        public SchemaNode? Contains;
        public int MinItems = -1;
        public int MaxItems = -1;
        public bool UniqueItems;
        public double? Minimum;
        public double? Maximum;
        public double? ExclusiveMinimum;
        public double? ExclusiveMaximum;
        public double? MultipleOf;
        public int MinLength = -1;
        public int MaxLength = -1;
        public Regex? Pattern;
        public SchemaNode[]? AllOf;
        public SchemaNode[]? AnyOf;
        public SchemaNode[]? OneOf;
        public SchemaNode? Not;
        public string? Ref;
        public SchemaNode? RefTarget;

        public bool IsValid(JsonElement value)
        {
            if (AlwaysFalse)
            {
                return false;
            }

            if (RefTarget is not null && !RefTarget.IsValid(value))
            {
                return false;
            }

            var kind = value.ValueKind;
            if (Types != JsonTypes.None && !HasType(value, kind))
            {
                return false;
            }

            if (Enum is not null)
            {
                bool found = false;
                foreach (var candidate in Enum)
                {
                    if (JsonEquals(candidate, value))
                    {
                        found = true;
                        break;
                    }
                }

                if (!found)
                {
                    return false;
                }
            }

            if (Const is { } constant && !JsonEquals(constant, value))
            {
                return false;
            }

            switch (kind)
            {
                case JsonValueKind.Object when !ObjectValid(value):
                case JsonValueKind.Array when !ArrayValid(value):
                case JsonValueKind.Number when !NumberValid(value):
                case JsonValueKind.String when !StringValid(value):
                    return false;
            }

            if (AllOf is not null)
            {
                foreach (var schema in AllOf)
                {
                    if (!schema.IsValid(value))
                    {
                        return false;
                    }
                }
            }

            if (AnyOf is not null)
            {
                bool any = false;
                foreach (var schema in AnyOf)
                {
                    if (schema.IsValid(value))
                    {
                        any = true;
                        break;
                    }
                }

                if (!any)
                {
                    return false;
                }
            }

            if (OneOf is not null)
            {
                int matched = 0;
                foreach (var schema in OneOf)
                {
                    if (schema.IsValid(value) && ++matched > 1)
                    {
                        return false;
                    }
                }

                if (matched != 1)
                {
                    return false;
                }
            }

            return Not is null || !Not.IsValid(value);
        }

        private bool HasType(JsonElement value, JsonValueKind kind) => kind switch
        {
            JsonValueKind.Null => (Types & JsonTypes.Null) != 0,
            JsonValueKind.True or JsonValueKind.False => (Types & JsonTypes.Boolean) != 0,
            JsonValueKind.Object => (Types & JsonTypes.Object) != 0,
            JsonValueKind.Array => (Types & JsonTypes.Array) != 0,
            JsonValueKind.String => (Types & JsonTypes.String) != 0,
            JsonValueKind.Number => (Types & JsonTypes.Number) != 0 || ((Types & JsonTypes.Integer) != 0 && IsInteger(value)),
            _ => false,
        };

        private static bool IsInteger(JsonElement value) =>
            value.TryGetInt64(out _) || (value.TryGetDouble(out double d) && Math.Floor(d) == d && !double.IsInfinity(d));

        private bool ObjectValid(JsonElement value)
        {
            if (Required is not null)
            {
                foreach (string name in Required)
                {
                    if (!value.TryGetProperty(name, out _))
                    {
                        return false;
                    }
                }
            }

            bool checksMembers = Properties is not null || PatternProperties is not null || AdditionalProperties is not null;
            if (!checksMembers && MinProperties < 0 && MaxProperties < 0)
            {
                return true;
            }

            int count = 0;
            foreach (var member in value.EnumerateObject())
            {
                count++;
                if (!checksMembers)
                {
                    continue;
                }

                bool matched = false;
                if (Properties is not null)
                {
                    foreach (var (name, schema) in Properties)
                    {
                        if (member.NameEquals(name))
                        {
                            matched = true;
                            if (!schema.IsValid(member.Value))
                            {
                                return false;
                            }

                            break;
                        }
                    }
                }

                if (PatternProperties is not null)
                {
                    foreach (var (pattern, schema) in PatternProperties)
                    {
                        if (pattern.IsMatch(member.Name))
                        {
                            matched = true;
                            if (!schema.IsValid(member.Value))
                            {
                                return false;
                            }
                        }
                    }
                }

                if (!matched && AdditionalProperties is not null && !AdditionalProperties.IsValid(member.Value))
                {
                    return false;
                }
            }

            return (MinProperties < 0 || count >= MinProperties) && (MaxProperties < 0 || count <= MaxProperties);
        }

        private bool ArrayValid(JsonElement value)
        {
            int length = value.GetArrayLength();
            if ((MinItems >= 0 && length < MinItems) || (MaxItems >= 0 && length > MaxItems))
            {
                return false;
            }

            if (PrefixItems is not null || Items is not null)
            {
                int index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    var schema = PrefixItems is not null && index < PrefixItems.Length ? PrefixItems[index] : Items;
                    if (schema is not null && !schema.IsValid(item))
                    {
                        return false;
                    }

                    index++;
                }
            }

            if (Contains is not null)
            {
                bool any = false;
                foreach (var item in value.EnumerateArray())
                {
                    if (Contains.IsValid(item))
                    {
                        any = true;
                        break;
                    }
                }

                if (!any)
                {
                    return false;
                }
            }

            if (UniqueItems)
            {
                for (int i = 0; i < length; i++)
                {
                    for (int j = i + 1; j < length; j++)
                    {
                        if (JsonEquals(value[i], value[j]))
                        {
                            return false;
                        }
                    }
                }
            }

            return true;
        }

        private bool NumberValid(JsonElement value)
        {
            if (Minimum is null && Maximum is null && ExclusiveMinimum is null && ExclusiveMaximum is null && MultipleOf is null)
            {
                return true;
            }

            double number = value.GetDouble();
            if ((Minimum is { } min && number < min) || (Maximum is { } max && number > max)
                || (ExclusiveMinimum is { } xmin && number <= xmin) || (ExclusiveMaximum is { } xmax && number >= xmax))
            {
                return false;
            }

            if (MultipleOf is { } step)
            {
                if (value.TryGetDecimal(out decimal exact) && (decimal.TryParse(step.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out decimal exactStep)) && exactStep != 0)
                {
                    return exact % exactStep == 0;
                }

                double quotient = number / step;
                return !double.IsInfinity(quotient) && Math.Abs(quotient - Math.Round(quotient)) < 1e-9;
            }

            return true;
        }

        private bool StringValid(JsonElement value)
        {
            if (MinLength < 0 && MaxLength < 0 && Pattern is null)
            {
                return true;
            }

            // The raw UTF-8 between the quotes: without escapes it is the value itself, read with no string made.
            var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value);
            raw = raw.Length >= 2 ? raw[1..^1] : raw;
            if (raw.Contains((byte)'\\') || raw.Length > 1024)
            {
                return StringValid(value.GetString()!);
            }

            if (MinLength >= 0 || MaxLength >= 0)
            {
                // Length in code points (JSON Schema): every byte that does not continue a UTF-8 sequence.
                int length = 0;
                foreach (byte b in raw)
                {
                    if ((b & 0xC0) != 0x80)
                    {
                        length++;
                    }
                }

                if ((MinLength >= 0 && length < MinLength) || (MaxLength >= 0 && length > MaxLength))
                {
                    return false;
                }
            }

            if (Pattern is null)
            {
                return true;
            }

            Span<char> chars = stackalloc char[1024];
            int count = System.Text.Encoding.UTF8.GetChars(raw, chars);
            return Pattern.IsMatch(chars[..count]);
        }

        private bool StringValid(string text)
        {
            if (MinLength >= 0 || MaxLength >= 0)
            {
                // Length in code points, not UTF-16 units (JSON Schema).
                int length = 0;
                for (int i = 0; i < text.Length; i++)
                {
                    if (!char.IsLowSurrogate(text[i]))
                    {
                        length++;
                    }
                }

                if ((MinLength >= 0 && length < MinLength) || (MaxLength >= 0 && length > MaxLength))
                {
                    return false;
                }
            }

            return Pattern is null || Pattern.IsMatch(text);
        }
    }

    private static bool JsonEquals(JsonElement a, JsonElement b)
    {
        var kind = a.ValueKind;
        if (kind is JsonValueKind.True or JsonValueKind.False || b.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return a.ValueKind == b.ValueKind;
        }

        if (kind != b.ValueKind)
        {
            return false;
        }

        switch (kind)
        {
            case JsonValueKind.Number:
                return a.TryGetDecimal(out decimal x) && b.TryGetDecimal(out decimal y) ? x == y : a.GetDouble() == b.GetDouble();
            case JsonValueKind.String:
                var rawA = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(a);
                var rawB = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(b);
                return rawA.Contains((byte)'\\') || rawB.Contains((byte)'\\') ? a.ValueEquals(b.GetString()) : rawA.SequenceEqual(rawB);
            case JsonValueKind.Array:
                int length = a.GetArrayLength();
                if (length != b.GetArrayLength())
                {
                    return false;
                }

                for (int i = 0; i < length; i++)
                {
                    if (!JsonEquals(a[i], b[i]))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Object:
                int count = 0;
                foreach (var member in a.EnumerateObject())
                {
                    count++;
                    if (!b.TryGetProperty(member.Name, out var other) || !JsonEquals(member.Value, other))
                    {
                        return false;
                    }
                }

                foreach (var _ in b.EnumerateObject())
                {
                    count--;
                }

                return count == 0;
            default:
                return true;
        }
    }

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
                        node.Properties = [.. Object(value, path).EnumerateObject().Select(p => (p.Name, Compile(p.Value, $"{path}/{Escape(p.Name)}")))];
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
