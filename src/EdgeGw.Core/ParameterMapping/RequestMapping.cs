using System.Collections.Immutable;
using System.Text;

namespace EdgeGw.Core.ParameterMapping;

/// <summary>
/// An HTTP integration's <c>requestParameters</c> compiled for one stage: header and query-string operations and
/// the path overwrite, applied by the upstream request writer. Null on an integration without mapping.
/// </summary>
public sealed class RequestMapping
{
    public required ImmutableArray<MappingOperation> Headers { get; init; }
    public required ImmutableArray<MappingOperation> QueryStrings { get; init; }
    /// <summary><c>overwrite:path</c>; null when the path is the integration's.</summary>
    public MappingValue? Path { get; init; }
    /// <summary>A value reads <c>$request.body</c>: the route buffers a JSON body before the integration.</summary>
    public bool ReadsBody { get; init; }

    /// <summary>Whether the client's header <paramref name="name"/> is removed or overwritten (ASCII case-insensitive).</summary>
    public bool DropsHeader(ReadOnlySpan<byte> name)
    {
        foreach (var operation in Headers)
        {
            if (operation.DropsOriginal && Ascii.EqualsIgnoreCase(operation.Name, name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the client's query parameter <paramref name="name"/> is removed or overwritten (case-sensitive, as AWS).</summary>
    public bool DropsQueryString(ReadOnlySpan<byte> name)
    {
        foreach (var operation in QueryStrings)
        {
            if (operation.DropsOriginal && name.SequenceEqual(operation.Name))
            {
                return true;
            }
        }

        return false;
    }
}
