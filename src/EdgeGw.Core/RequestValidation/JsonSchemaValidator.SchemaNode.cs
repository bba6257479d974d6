using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeGw.Core.RequestValidation;

/// <summary>The evaluator: a compiled schema node's checks over a JSON value.</summary>
public sealed partial class JsonSchemaValidator
{
    private sealed class SchemaNode
    {
        public bool AlwaysFalse;
        public JsonTypes Types;
        public JsonElement[]? Enum;
        public JsonElement? Const;
        public (string Name, byte[] Utf8, SchemaNode Schema)[]? Properties;
        public string[]? Required;
        /// <summary>Required names that are among the first 64 <see cref="Properties"/>: a bit per index, checked while the members are walked.</summary>
        public ulong RequiredMask;
        /// <summary>The other required names (UTF-8), looked up on their own.</summary>
        public byte[][]? RequiredOutside;
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

        /// <summary>After compilation: required names as bits of the property walk, or UTF-8 names to look up.</summary>
        public void Seal()
        {
            if (Required is null)
            {
                return;
            }

            var outside = new List<byte[]>();
            foreach (string name in Required)
            {
                int index = -1;
                for (int i = 0; Properties is not null && i < Properties.Length && i < 64; i++)
                {
                    if (Properties[i].Name == name)
                    {
                        index = i;
                        break;
                    }
                }

                if (index >= 0)
                {
                    RequiredMask |= 1UL << index;
                }
                else
                {
                    outside.Add(System.Text.Encoding.UTF8.GetBytes(name));
                }
            }

            RequiredOutside = outside.Count == 0 ? null : [.. outside];
        }

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
            if (RequiredOutside is not null)
            {
                foreach (byte[] name in RequiredOutside)
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
            ulong seen = 0;
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
                    // UTF-8 names compared with the member's raw name: no transcoding per comparison.
                    for (int i = 0; i < Properties.Length; i++)
                    {
                        if (member.NameEquals(Properties[i].Utf8))
                        {
                            matched = true;
                            if (i < 64)
                            {
                                seen |= 1UL << i;
                            }

                            if (!Properties[i].Schema.IsValid(member.Value))
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

            return (seen & RequiredMask) == RequiredMask
                && (MinProperties < 0 || count >= MinProperties) && (MaxProperties < 0 || count <= MaxProperties);
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
}
