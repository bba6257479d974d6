using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace EdgeGw.Core.WebSockets;

/// <summary>
/// A WebSocket API's route selection expression, <c>$request.body.a.b</c>: the route key is the value at that
/// property path of a JSON text message. Evaluated on the message bytes with <see cref="Utf8JsonReader"/>,
/// without building a document or decoding strings.
/// </summary>
public sealed class RouteSelectionExpression
{
    private const string Prefix = "$request.body.";
    private const int MaxSegments = 16;

    /// <summary>Longest route key a message can select (longer values select <c>$default</c>).</summary>
    public const int MaxKeyBytes = 128;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    private readonly byte[][] _segments;

    private RouteSelectionExpression(string text, byte[][] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    public ImmutableArray<string> Path => [.. _segments.Select(s => Encoding.UTF8.GetString(s))];

    public static bool TryParse(string text, out RouteSelectionExpression expression, out string error)
    {
        expression = null!;
        error = "";
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = $"'{text}' is not a route selection expression: it must start with \"{Prefix}\" (e.g. \"$request.body.action\")";
            return false;
        }

        var parts = text[Prefix.Length..].Split('.');
        if (parts.Length > MaxSegments)
        {
            error = $"'{text}' nests deeper than {MaxSegments} properties";
            return false;
        }

        foreach (string part in parts)
        {
            if (part.Length == 0 || part.AsSpan().ContainsAnyExcept(PropertyChars))
            {
                error = $"'{text}' has an empty or unsupported property name '{part}' (letters, digits, '_' and '-')";
                return false;
            }
        }

        expression = new RouteSelectionExpression(text, [.. parts.Select(Encoding.UTF8.GetBytes)]);
        return true;
    }

    private static readonly System.Buffers.SearchValues<char> PropertyChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <summary>
    /// Writes the selected key into <paramref name="key"/>: a string's unescaped bytes, or a number's or
    /// boolean's literal text. False when the message is not a JSON object, the path is absent, or the value is
    /// null, an object, an array or longer than <see cref="MaxKeyBytes"/>: those messages go to <c>$default</c>.
    /// </summary>
    public bool TrySelect(ReadOnlySpan<byte> message, Span<byte> key, out int keyLength)
    {
        keyLength = 0;
        // Most non-JSON messages are refused here, without the reader's exception path.
        var start = message.TrimStart(" \t\r\n"u8);
        if (start.IsEmpty || start[0] != (byte)'{')
        {
            return false;
        }

        try
        {
            return Select(message, key, out keyLength);
        }
        catch (JsonException)
        {
            // Malformed JSON that starts like an object: not JSON, so not routable by a body property.
            keyLength = 0;
            return false;
        }
    }

    private bool Select(ReadOnlySpan<byte> message, Span<byte> key, out int keyLength)
    {
        keyLength = 0;
        var reader = new Utf8JsonReader(message, ReaderOptions);
        reader.Read();
        int matched = 0;
        int objectDepth = 0;
        bool decided = false;
        bool found = false;
        while (reader.Read())
        {
            if (decided)
            {
                // Keep reading so that a message which is not valid JSON as a whole still goes to $default.
                continue;
            }

            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == objectDepth)
            {
                // The object the path descended into ended without the next property.
                decided = true;
                continue;
            }

            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != objectDepth + 1 || !reader.ValueTextEquals(_segments[matched]))
            {
                continue;
            }

            reader.Read();
            if (matched < _segments.Length - 1)
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    matched++;
                    objectDepth = reader.CurrentDepth;
                }
                else
                {
                    decided = true;
                }

                continue;
            }

            decided = true;
            found = TryCopyScalar(ref reader, key, out keyLength);
        }

        if (!found)
        {
            keyLength = 0;
        }

        return found;
    }

    private static bool TryCopyScalar(ref Utf8JsonReader reader, Span<byte> key, out int keyLength)
    {
        keyLength = 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                int longest = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                if (longest > MaxKeyBytes * 6)
                {
                    return false;
                }

                Span<byte> unescaped = stackalloc byte[MaxKeyBytes * 6];
                keyLength = reader.CopyString(unescaped);
                if (keyLength > MaxKeyBytes || keyLength > key.Length)
                {
                    keyLength = 0;
                    return false;
                }

                unescaped[..keyLength].CopyTo(key);
                return true;
            case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                var raw = reader.ValueSpan;
                if (raw.Length > MaxKeyBytes || raw.Length > key.Length)
                {
                    return false;
                }

                raw.CopyTo(key);
                keyLength = raw.Length;
                return true;
            default:
                return false;
        }
    }
}
