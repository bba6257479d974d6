using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Apis;

/// <summary>
/// Parses an http integration's <c>uri</c>: a path with <c>{param}</c> references to the route's parameters
/// and <c>${stageVariables.name}</c> references substituted per stage at compile time.
/// </summary>
internal static class UriTemplate
{
    private const string StageVariablePrefix = "${stageVariables.";

    public static bool TryParse(
        string template,
        ImmutableArray<string> parameterNames,
        ImmutableArray<KeyValuePair<string, string>> stageVariables,
        out ImmutableArray<UriTemplatePart> parts,
        out string error)
    {
        parts = [];
        if (!template.StartsWith('/'))
        {
            error = $"'{template}' must be a path starting with '/'";
            return false;
        }

        var builder = ImmutableArray.CreateBuilder<UriTemplatePart>();
        var literal = new StringBuilder();
        int i = 0;
        while (i < template.Length)
        {
            if (template.AsSpan(i).StartsWith(StageVariablePrefix, StringComparison.Ordinal))
            {
                int end = template.IndexOf('}', i);
                if (end < 0)
                {
                    error = "unterminated ${stageVariables.…} reference";
                    return false;
                }

                string name = template[(i + StageVariablePrefix.Length)..end];
                if (!TryFind(stageVariables, name, out string? value))
                {
                    error = $"stage variable '{name}' is not defined";
                    return false;
                }

                literal.Append(value);
                i = end + 1;
            }
            else if (template[i] == '{')
            {
                int end = template.IndexOf('}', i);
                if (end < 0)
                {
                    error = "unterminated {parameter} reference";
                    return false;
                }

                string name = template[(i + 1)..end];
                int index = parameterNames.IndexOf(name);
                if (index < 0)
                {
                    error = $"'{{{name}}}' is not a parameter of the route key";
                    return false;
                }

                Flush(builder, literal);
                builder.Add(new UriTemplatePart(UriTemplatePartKind.Capture, [], index));
                i = end + 1;
            }
            else
            {
                char c = template[i];
                if (!ConfigChecks.PathChars.Contains(c))
                {
                    error = $"character '{c}' is not allowed in an upstream path (the query string is forwarded as is)";
                    return false;
                }

                literal.Append(c);
                i++;
            }
        }

        Flush(builder, literal);
        parts = builder.ToImmutable();
        error = "";
        return true;
    }

    private static void Flush(ImmutableArray<UriTemplatePart>.Builder builder, StringBuilder literal)
    {
        if (literal.Length > 0)
        {
            builder.Add(new UriTemplatePart(UriTemplatePartKind.Literal, Encoding.ASCII.GetBytes(literal.ToString()), 0));
            literal.Clear();
        }
    }

    private static bool TryFind(ImmutableArray<KeyValuePair<string, string>> variables, string name, out string? value)
    {
        foreach (var variable in variables)
        {
            if (string.Equals(variable.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                value = variable.Value;
                return true;
            }
        }

        value = null;
        return false;
    }
}
