using System.Text.Json;

namespace EdgeGw.Core.RequestValidation;

/// <summary>JSON equality (numbers by value, strings unescaped, objects regardless of member order) for enum, const and uniqueItems.</summary>
public sealed partial class JsonSchemaValidator
{
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
}
