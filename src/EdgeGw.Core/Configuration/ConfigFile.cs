using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace EdgeGw.Core.Configuration;

/// <summary>
/// Reads the config file whole and checks that it is one JSON object before any provider sees it, so a file
/// that is missing, unreadable, empty or malformed is one error line naming the file (with line and column for
/// bad JSON) instead of an exception, at start and on reload alike.
/// </summary>
public static class ConfigFile
{
    /// <summary>The file's bytes when it holds a JSON object, else null and <paramref name="error"/> (<c>path: reason</c>).</summary>
    public static byte[]? Read(string path, out string? error)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            error = $"{path}: file not found";
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            error = $"{path}: file not found";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: cannot read: {e.Message}";
            return null;
        }

        error = Check(path, bytes);
        return error is null ? bytes : null;
    }

    /// <summary>Null when <paramref name="bytes"/> are one JSON object, else <c>path:line:column: reason</c>.</summary>
    internal static string? Check(string path, ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<byte> json = bytes.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return $"{path}: file is empty";
        }

        try
        {
            // Trailing commas and comments allowed, as the JSON configuration provider reads the file.
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"{path}:1:1: invalid config: the top-level JSON value must be an object";
            }

            // The parser takes bytes that are not UTF-8 inside strings, and the configuration system would turn them
            // into U+FFFD: a key or a value changed silently. Refuse them, naming where.
            return FindInvalidUtf8(document.RootElement, "") is { } at ? $"{path}: {at}: invalid UTF-8 in a string" : null;
        }
        catch (JsonException e)
        {
            // System.Text.Json counts both from 0 and appends them to the message; editors count from 1.
            long line = (e.LineNumber ?? 0) + 1;
            long column = (e.BytePositionInLine ?? 0) + 1;
            string message = e.Message;
            int suffix = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            return FormattableString.Invariant($"{path}:{line}:{column}: invalid JSON: {(suffix >= 0 ? message[..suffix] : message)}");
        }
    }

    /// <summary>The JSON path of the first property name or string value that is not valid UTF-8, or null.</summary>
    private static string? FindInvalidUtf8(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var rawName = JsonMarshal.GetRawUtf8PropertyName(property);
                    if (!Utf8.IsValid(rawName))
                    {
                        // Named as the configuration system would have read it (the bad bytes as U+FFFD).
                        string name = System.Text.Encoding.UTF8.GetString(rawName);
                        return path.Length == 0 ? name : $"{path}.{name}";
                    }

                    string child = path.Length == 0 ? property.Name : $"{path}.{property.Name}";

                    if (FindInvalidUtf8(property.Value, child) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                int index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindInvalidUtf8(item, FormattableString.Invariant($"{path}[{index++}]")) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.String:
                return Utf8.IsValid(JsonMarshal.GetRawUtf8Value(element)) ? null : path;
            default:
                return null;
        }
    }
}
