using System.Collections.Immutable;
using System.Text;

namespace EdgeGw.Core.AccessLogging;

/// <summary>
/// The <c>$context.*</c> template compiler shared by the access log's formats and the gateway responses' bodies:
/// text with AWS's <c>$context</c> variables, compiled once into parts (literal UTF-8 runs and variables, each
/// with the escaping of where it sits) that <see cref="AccessLogFormatter.TryFormatParts"/> writes from a
/// <see cref="Observability.RequestRecord"/> with no parsing, lookup or allocation.
/// </summary>
public static class ContextTemplate
{
    private const string Prefix = "$context.";

    /// <summary>
    /// Splits <paramref name="source"/> into parts escaped with <paramref name="escape"/>; adds a message to
    /// <paramref name="errors"/> for each unknown variable. <paramref name="hasRequestId"/>: whether
    /// <c>$context.requestId</c> (or <c>extendedRequestId</c>) occurs.
    /// </summary>
    public static ImmutableArray<AccessLogPart> Parse(string source, AccessLogEscape escape, List<string> errors, out bool hasRequestId)
    {
        var parts = ImmutableArray.CreateBuilder<AccessLogPart>();
        var literal = new StringBuilder();
        hasRequestId = false;
        int i = 0;
        while (i < source.Length)
        {
            if (string.CompareOrdinal(source, i, Prefix, 0, Prefix.Length) != 0)
            {
                literal.Append(source[i++]);
                continue;
            }

            int start = i + Prefix.Length;
            int end = start;
            while (end < source.Length && (char.IsAsciiLetterOrDigit(source[end]) || source[end] is '.' or '_'))
            {
                end++;
            }

            // A sentence's full stop after a variable is not part of its name.
            while (end > start && source[end - 1] == '.')
            {
                end--;
            }

            string name = source[start..end];
            if (!AccessLogVariables.TryFind(name, out var variable, out byte[]? argument))
            {
                errors.Add(name.Length == 0
                    ? $"'$context.' at character {i} names no variable"
                    : $"unknown variable $context.{name} (EdgeGw knows AWS's access log variables; see README \"Access log\")");
            }

            hasRequestId |= variable == AccessLogVariable.RequestId;
            if (literal.Length > 0)
            {
                parts.Add(new AccessLogPart(Encoding.UTF8.GetBytes(literal.ToString()), default, escape));
                literal.Clear();
            }

            parts.Add(new AccessLogPart(null, variable, escape, argument));
            i = end;
        }

        if (literal.Length > 0)
        {
            parts.Add(new AccessLogPart(Encoding.UTF8.GetBytes(literal.ToString()), default, escape));
        }

        return parts.ToImmutable();
    }

    /// <summary>A template that starts with <c>{</c> is JSON: its values are escaped as JSON string content.</summary>
    public static bool IsJson(string source) => source.AsSpan().TrimStart().StartsWith("{");
}
