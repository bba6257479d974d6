using System.Collections.Immutable;
using System.Text;

namespace EdgeGw.Core.AccessLogging;

/// <summary>How a variable's value is escaped where it sits in its template.</summary>
public enum AccessLogEscape : byte
{
    /// <summary>A JSON template: the value as JSON string content (quotes, backslashes, control characters and invalid UTF-8 escaped).</summary>
    Json,
    /// <summary>Any other template: control characters, quotes, backslashes and invalid UTF-8 as Apache's <c>\xHH</c>, <c>\"</c>, <c>\\</c>.</summary>
    Text,
}

/// <summary>One piece of a compiled template: literal bytes, or a variable with its escaping.</summary>
/// <param name="Argument">The claim name or context key of an <c>authorizer.*</c> variable (UTF-8); null otherwise.</param>
public readonly record struct AccessLogPart(byte[]? Literal, AccessLogVariable Variable, AccessLogEscape Escape, byte[]? Argument = null);

/// <summary>
/// An access log format compiled once into parts (literal UTF-8 runs and variables), so formatting a line is a
/// walk over an array with no parsing, lookup or allocation. A template that starts with <c>{</c> is JSON: its
/// values are escaped as JSON string content.
/// </summary>
public sealed class AccessLogTemplate
{
    /// <summary>AWS's limit on an access log format.</summary>
    public const int MaxBytes = 3 * 1024;

    private AccessLogTemplate(string source, ImmutableArray<AccessLogPart> parts, bool json)
    {
        Source = source;
        Parts = parts;
        IsJson = json;
    }

    /// <summary>The format as written (after a preset name was resolved).</summary>
    public string Source { get; }
    public ImmutableArray<AccessLogPart> Parts { get; }
    public bool IsJson { get; }

    /// <summary>Compiles <paramref name="format"/> (a template or a preset name); adds a message to <paramref name="errors"/> for each problem.</summary>
    public static AccessLogTemplate? Compile(string format, List<string> errors)
    {
        int before = errors.Count;
        string source = AccessLogPresets.Find(format) ?? format;
        int bytes = Encoding.UTF8.GetByteCount(source);
        if (source.Length == 0)
        {
            errors.Add("a format is a preset name (\"clf\", \"json\", \"csv\") or a template with $context variables");
            return null;
        }

        if (bytes > MaxBytes)
        {
            errors.Add($"a format is at most 3 KB ({MaxBytes} bytes, as AWS); this one is {bytes}");
        }

        if (source.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            errors.Add("a format is one line: each request is one line of the log");
        }

        bool json = ContextTemplate.IsJson(source);
        var parts = ContextTemplate.Parse(source, json ? AccessLogEscape.Json : AccessLogEscape.Text, errors, out bool hasRequestId);
        if (!hasRequestId)
        {
            errors.Add("a format must contain $context.requestId or $context.extendedRequestId (as AWS requires)");
        }

        return errors.Count == before ? new AccessLogTemplate(source, parts, json) : null;
    }
}
