using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.AccessLogging;

namespace EdgeGw.Core.ParameterMapping;

/// <summary>Where one piece of a mapped value comes from.</summary>
public enum MappingSource : byte
{
    Literal,
    /// <summary><c>$request.header.name</c>: every occurrence, joined with commas (AWS).</summary>
    RequestHeader,
    /// <summary><c>$request.querystring.name</c>: every occurrence's raw (still percent-encoded) value, joined with commas.</summary>
    RequestQueryString,
    /// <summary><c>$request.path.name</c>: the raw bytes of a path capture.</summary>
    RequestPathParameter,
    /// <summary><c>$request.path</c>: the request path without the stage.</summary>
    RequestPath,
    /// <summary>A <c>$context</c> variable the access log formatter writes (<see cref="AccessLogVariable"/>).</summary>
    Context,
    /// <summary><c>$context.authorizer.principalId</c>.</summary>
    AuthorizerPrincipalId,
    /// <summary><c>$context.authorizer.claims.name</c>.</summary>
    AuthorizerClaim,
    /// <summary><c>$context.authorizer.key</c> (a request authorizer's context).</summary>
    AuthorizerContext,
    /// <summary><c>$response.header.name</c> (response parameters only).</summary>
    ResponseHeader,
    /// <summary><c>$request.body.path</c>: a value of the buffered JSON body (<see cref="MappingPart.Body"/>).</summary>
    RequestBody,
}

/// <summary>One piece of a compiled value: literal bytes, or a source with its name (or capture index, or variable).</summary>
public readonly record struct MappingPart(MappingSource Source, byte[] Bytes, int Index, AccessLogVariable Variable)
{
    /// <summary>The JSON path of a <see cref="MappingSource.RequestBody"/> part.</summary>
    public BodyPath? Body { get; init; }
}

/// <summary>
/// A parameter mapping value (<c>"/v2/$request.path.id"</c>, <c>"${context.requestId}-x"</c>, <c>"''"</c>) compiled
/// once into parts; stage variables are substituted as literals at compile time (a route is compiled per stage).
/// </summary>
public sealed class MappingValue
{
    private MappingValue(string source, ImmutableArray<MappingPart> parts)
    {
        Source = source;
        Parts = parts;
    }

    public string Source { get; }
    public ImmutableArray<MappingPart> Parts { get; }

    /// <summary>Every part is a literal (the value is the same for every request).</summary>
    public bool IsStatic
    {
        get
        {
            foreach (var part in Parts)
            {
                if (part.Source != MappingSource.Literal)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>A part reads the request body (the route buffers it: see README "Parameter mapping").</summary>
    public bool ReadsBody
    {
        get
        {
            foreach (var part in Parts)
            {
                if (part.Source == MappingSource.RequestBody)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Where the value is used: what it may read.</summary>
    public enum Side : byte
    {
        Request,
        Response,
    }

    /// <summary>
    /// Compiles <paramref name="source"/>; null with <paramref name="error"/> set when it names something EdgeGw
    /// cannot supply. <paramref name="stageVariables"/> null: only check the syntax (stage variables may be
    /// missing on some stage: they then resolve to empty, as AWS).
    /// </summary>
    public static MappingValue? Compile(string source, Side side, ImmutableArray<string> parameterNames,
        ImmutableArray<KeyValuePair<string, string>> stageVariables, out string error)
    {
        error = "";
        var parts = ImmutableArray.CreateBuilder<MappingPart>();
        var literal = new StringBuilder();
        if (source == "''")
        {
            return new MappingValue(source, []); // AWS's empty value
        }

        int i = 0;
        while (i < source.Length)
        {
            char c = source[i];
            if (c != '$' || i + 1 >= source.Length)
            {
                literal.Append(c);
                i++;
                continue;
            }

            string expression;
            int next;
            if (source[i + 1] == '{')
            {
                int close = source.IndexOf('}', i + 2);
                if (close < 0)
                {
                    error = $"'${{' at character {i} has no closing '}}'";
                    return null;
                }

                expression = source[(i + 2)..close];
                next = close + 1;
            }
            else
            {
                int end = i + 1;
                // A body path also takes [n] indices ($request.body.items[0].id).
                bool body = source.AsSpan(i + 1).StartsWith("request.body", StringComparison.Ordinal);
                bool inIndex = false;
                while (end < source.Length && (char.IsAsciiLetterOrDigit(source[end]) || source[end] is '.' or '_' or '-'
                    || (body && !inIndex && source[end] == '[') || (inIndex && source[end] == ']')))
                {
                    inIndex = source[end] == '[' || (inIndex && source[end] != ']');
                    end++;
                }

                while (end > i + 1 && source[end - 1] == '.')
                {
                    end--;
                }

                expression = source[(i + 1)..end];
                next = end;
            }

            if (!IsKnownRoot(expression))
            {
                // Not a selection expression ("$5", "${x}"): the text as it is.
                literal.Append(source, i, next - i);
                i = next;
                continue;
            }

            if (!TryCompileExpression(expression, side, parameterNames, stageVariables, out var part, out string? stageValue, out error))
            {
                return null;
            }

            if (stageValue is not null)
            {
                literal.Append(stageValue);
            }
            else
            {
                Flush(parts, literal);
                parts.Add(part);
            }

            i = next;
        }

        Flush(parts, literal);
        return new MappingValue(source, parts.ToImmutable());
    }

    private static bool IsKnownRoot(string expression) =>
        expression.StartsWith("request.", StringComparison.Ordinal) || expression == "request"
        || expression.StartsWith("context.", StringComparison.Ordinal)
        || expression.StartsWith("stageVariables.", StringComparison.Ordinal)
        || expression.StartsWith("response.", StringComparison.Ordinal) || expression == "response";

    private static void Flush(ImmutableArray<MappingPart>.Builder parts, StringBuilder literal)
    {
        if (literal.Length > 0)
        {
            parts.Add(new MappingPart(MappingSource.Literal, Encoding.UTF8.GetBytes(literal.ToString()), 0, default));
            literal.Clear();
        }
    }

    private static bool TryCompileExpression(string expression, Side side, ImmutableArray<string> parameterNames,
        ImmutableArray<KeyValuePair<string, string>> stageVariables, out MappingPart part, out string? stageValue, out string error)
    {
        part = default;
        stageValue = null;
        error = "";
        if (expression.StartsWith("stageVariables.", StringComparison.Ordinal))
        {
            string name = expression["stageVariables.".Length..];
            if (name.Length == 0)
            {
                error = "$stageVariables. names no variable";
                return false;
            }

            stageValue = "";
            if (!stageVariables.IsDefault)
            {
                foreach (var variable in stageVariables)
                {
                    if (variable.Key == name)
                    {
                        stageValue = variable.Value;
                    }
                }
            }

            return true;
        }

        if (expression.StartsWith("context.", StringComparison.Ordinal))
        {
            string name = expression["context.".Length..];
            if (name == "authorizer.principalId")
            {
                part = new MappingPart(MappingSource.AuthorizerPrincipalId, [], 0, default);
                return true;
            }

            if (name.StartsWith("authorizer.claims.", StringComparison.Ordinal) && name.Length > "authorizer.claims.".Length)
            {
                part = new MappingPart(MappingSource.AuthorizerClaim, Encoding.UTF8.GetBytes(name["authorizer.claims.".Length..]), 0, default);
                return true;
            }

            if (name.StartsWith("authorizer.", StringComparison.Ordinal) && name.Length > "authorizer.".Length)
            {
                part = new MappingPart(MappingSource.AuthorizerContext, Encoding.UTF8.GetBytes(name["authorizer.".Length..]), 0, default);
                return true;
            }

            // The access log's resolver: one list of $context variables for logs, gateway responses and mapping.
            if (!AccessLogVariables.TryFind(name, out var variable))
            {
                error = $"unknown variable $context.{name} (EdgeGw knows AWS's $context variables; see README \"Access log\")";
                return false;
            }

            part = new MappingPart(MappingSource.Context, [], 0, variable);
            return true;
        }

        if (expression.StartsWith("response.", StringComparison.Ordinal) || expression == "response")
        {
            if (side != Side.Response)
            {
                error = $"${expression}: a request parameter cannot read the response";
                return false;
            }

            if (expression.StartsWith("response.header.", StringComparison.Ordinal) && expression.Length > "response.header.".Length)
            {
                part = new MappingPart(MappingSource.ResponseHeader, Encoding.ASCII.GetBytes(expression["response.header.".Length..]), 0, default);
                return true;
            }

            error = expression.StartsWith("response.body", StringComparison.Ordinal)
                ? "$response.body is not supported: EdgeGw streams response bodies (see README \"Parameter mapping\")"
                : $"unknown source ${expression} (a response parameter reads $response.header.<name>, $context.*, $stageVariables.*)";
            return false;
        }

        // request.*
        if (side != Side.Request)
        {
            error = $"${expression}: a response parameter cannot read the request (EdgeGw releases the request head before the response)";
            return false;
        }

        if (expression.StartsWith("request.header.", StringComparison.Ordinal) && expression.Length > "request.header.".Length)
        {
            part = new MappingPart(MappingSource.RequestHeader, Encoding.ASCII.GetBytes(expression["request.header.".Length..]), 0, default);
            return true;
        }

        if (expression.StartsWith("request.querystring.", StringComparison.Ordinal) && expression.Length > "request.querystring.".Length)
        {
            part = new MappingPart(MappingSource.RequestQueryString, Encoding.UTF8.GetBytes(expression["request.querystring.".Length..]), 0, default);
            return true;
        }

        if (expression == "request.path")
        {
            part = new MappingPart(MappingSource.RequestPath, [], 0, default);
            return true;
        }

        if (expression.StartsWith("request.path.", StringComparison.Ordinal))
        {
            string name = expression["request.path.".Length..];
            int index = parameterNames.IsDefault ? -1 : parameterNames.IndexOf(name);
            if (index < 0 && !parameterNames.IsDefault)
            {
                index = parameterNames.IndexOf(name + "+");
            }

            if (index < 0)
            {
                error = $"$request.path.{name}: the route key has no parameter {{{name}}}";
                return false;
            }

            part = new MappingPart(MappingSource.RequestPathParameter, [], index, default);
            return true;
        }

        if (expression == "request.body" || expression.StartsWith("request.body.", StringComparison.Ordinal)
            || expression.StartsWith("request.body[", StringComparison.Ordinal))
        {
            var path = BodyPath.Parse(expression["request.body".Length..], out error);
            if (path is null)
            {
                return false;
            }

            part = new MappingPart(MappingSource.RequestBody, [], 0, default) { Body = path };
            return true;
        }

        error = $"unknown source ${expression} (use $request.header.<name>, $request.querystring.<name>, $request.path[.<name>], $request.body[.<json path>], $context.*, $stageVariables.*)";
        return false;
    }
}
