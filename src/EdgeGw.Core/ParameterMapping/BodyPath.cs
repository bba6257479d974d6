using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace EdgeGw.Core.ParameterMapping;

/// <summary>One step of a <see cref="BodyPath"/>: a member name (UTF-8) or, when <see cref="Name"/> is null, an array index.</summary>
public readonly record struct BodyPathSegment(byte[]? Name, int Index);

/// <summary>
/// A compiled <c>$request.body.&lt;path&gt;</c>: AWS's JSON path subset for parameter mapping (dotted member names and
/// <c>[n]</c> indices; no recursive descent, wildcards or filters). Empty segments: the whole body.
/// </summary>
public sealed class BodyPath
{
    /// <summary>AWS reads at most 100 KB of a body for a JSON path; EdgeGw does not buffer a larger one (the source is empty).</summary>
    public const long MaxBodyBytes = 100 * 1024;

    private BodyPath(string text, ImmutableArray<BodyPathSegment> segments)
    {
        Text = text;
        Segments = segments;
    }

    /// <summary>The path as configured, after <c>$request.body</c> (e.g. <c>.items[0].id</c>).</summary>
    public string Text { get; }
    public ImmutableArray<BodyPathSegment> Segments { get; }

    /// <summary>Parses the text after <c>request.body</c>; null with <paramref name="error"/> when it is outside AWS's subset.</summary>
    public static BodyPath? Parse(string path, out string error)
    {
        error = "";
        var segments = ImmutableArray.CreateBuilder<BodyPathSegment>();
        int i = 0;
        while (i < path.Length)
        {
            char c = path[i];
            if (c == '.')
            {
                int start = ++i;
                if (i < path.Length && path[i] == '.')
                {
                    error = $"$request.body{path}: recursive descent (..) is not supported (AWS)";
                    return null;
                }

                while (i < path.Length && path[i] is not ('.' or '['))
                {
                    i++;
                }

                string name = path[start..i];
                if (name.Length == 0 || name == "*" || name.Contains(']') || name.Contains('?'))
                {
                    error = $"$request.body{path}: '{name}' is not a member name (a JSON path of member names and [n] indices)";
                    return null;
                }

                segments.Add(new BodyPathSegment(Encoding.UTF8.GetBytes(name), 0));
            }
            else if (c == '[')
            {
                int close = path.IndexOf(']', i);
                string index = close < 0 ? "" : path[(i + 1)..close];
                if (close < 0 || !int.TryParse(index, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n))
                {
                    error = $"$request.body{path}: '[{index}' is not an array index (EdgeGw reads [n], n a non-negative integer; no filters or wildcards)";
                    return null;
                }

                segments.Add(new BodyPathSegment(null, n));
                i = close + 1;
            }
            else
            {
                error = $"$request.body{path}: expected '.' or '[' at character {i}";
                return null;
            }
        }

        return new BodyPath(path, segments.ToImmutable());
    }

    /// <summary>
    /// Writes the value at this path in <paramref name="body"/>: a string unescaped (UTF-8), a number, true, false or
    /// null as its JSON text, an object or array as its raw JSON text. Nothing (true, 0 bytes) when the path is
    /// missing or the body is not JSON. False when the value does not fit <paramref name="destination"/>.
    /// </summary>
    public bool TryWrite(in ReadOnlySequence<byte> body, Span<byte> destination, out int written)
    {
        written = 0;
        if (body.IsEmpty)
        {
            return true;
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            return Find(ref reader, body) ? Write(ref reader, body, destination, out written) : true;
        }
        catch (JsonException)
        {
            // The client's body is not JSON (the only exception System.Text.Json gives for it): the source is empty.
            written = 0;
            return true;
        }
    }

    // Leaves the reader on the first token of the value at the path. Duplicate members: the last one (as
    // System.Text.Json's JsonElement), so each object on the way is read to its end.
    private bool Find(ref Utf8JsonReader reader, in ReadOnlySequence<byte> body)
    {
        if (!reader.Read())
        {
            return false;
        }

        // The whole body must be one valid JSON value (trailing bytes make it invalid, as for a parser). A member
        // path reads the root object to its end anyway (below); any other path reads the body once first.
        bool rootByMember = !Segments.IsEmpty && Segments[0].Name is not null;
        if (!rootByMember)
        {
            var root = reader;
            reader.Skip();
            if (reader.Read())
            {
                return false;
            }

            reader = root;
        }

        for (int level = 0; level < Segments.Length; level++)
        {
            var segment = Segments[level];
            if (segment.Name is { } name)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                bool found = false;
                Utf8JsonReader match = default;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool equal = reader.ValueTextEquals(name);
                    reader.Read();
                    if (equal)
                    {
                        match = reader;
                        found = true;
                    }

                    reader.Skip();
                }

                if (level == 0 && reader.Read())
                {
                    return false;
                }

                if (!found)
                {
                    return false;
                }

                reader = match;
            }
            else
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                int index = 0;
                while (true)
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        return false;
                    }

                    if (index++ == segment.Index)
                    {
                        break;
                    }

                    reader.Skip();
                }
            }
        }

        return true;
    }

    private static bool Write(ref Utf8JsonReader reader, in ReadOnlySequence<byte> body, Span<byte> destination, out int written)
    {
        written = 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                // Unescaping never lengthens a string: the escaped length is enough room.
                long escaped = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                if (escaped > destination.Length)
                {
                    return false;
                }

                written = reader.CopyString(destination);
                return true;
            case JsonTokenType.StartObject:
            case JsonTokenType.StartArray:
                long start = reader.TokenStartIndex;
                reader.Skip();
                return CopyRaw(body.Slice(start, reader.BytesConsumed - start), destination, out written);
            default:
                // Numbers, true, false, null: their JSON text.
                return reader.HasValueSequence
                    ? CopyRaw(reader.ValueSequence, destination, out written)
                    : CopyRaw(reader.ValueSpan, destination, out written);
        }
    }

    private static bool CopyRaw(in ReadOnlySequence<byte> source, Span<byte> destination, out int written)
    {
        written = 0;
        if (source.Length > destination.Length)
        {
            return false;
        }

        source.CopyTo(destination);
        written = (int)source.Length;
        return true;
    }

    private static bool CopyRaw(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = source.Length;
        return source.TryCopyTo(destination);
    }
}
