using System.Collections.Immutable;
using System.Text;

namespace EdgeGw.Core.ParameterMapping;

/// <summary>The <c>responseParameters</c> of one backend status code.</summary>
public sealed class StatusMapping
{
    public required int Status { get; init; }
    /// <summary><c>overwrite:statuscode</c>; 0 when the status stays.</summary>
    public int NewStatus { get; init; }
    public required ImmutableArray<MappingOperation> Headers { get; init; }

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
}

/// <summary>
/// An HTTP integration's <c>responseParameters</c> compiled for one stage, by backend status code, applied by the
/// response relay to the backend's head. Null on an integration without response mapping.
/// </summary>
public sealed class ResponseMapping
{
    private readonly StatusMapping[] _byStatus;

    public ResponseMapping(ImmutableArray<StatusMapping> statuses) => _byStatus = [.. statuses];

    /// <summary>The mapping of <paramref name="status"/>; null when that status is passed through.</summary>
    public StatusMapping? Find(int status)
    {
        foreach (var mapping in _byStatus)
        {
            if (mapping.Status == status)
            {
                return mapping;
            }
        }

        return null;
    }
}
