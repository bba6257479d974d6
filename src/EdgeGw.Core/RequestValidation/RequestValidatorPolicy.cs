using EdgeGw.Protocols.Http1;
using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.ParameterMapping;

namespace EdgeGw.Core.RequestValidation;

/// <summary>Where a required request parameter is looked for.</summary>
public enum RequiredParameterKind : byte
{
    QueryString,
    Header,
    Path,
}

/// <summary>One entry of <c>requestValidator.parameters</c>: its place, its name as bytes (or capture index) and as AWS lists it.</summary>
public sealed record RequiredParameter(RequiredParameterKind Kind, byte[] Name, int CaptureIndex, string DisplayName);

/// <summary>
/// A route's <c>requestValidator</c> compiled: the required parameters (checked on the parsed head, no allocation
/// when all are present) and the body's model. Null on a route without a validator.
/// </summary>
public sealed class RequestValidatorPolicy
{
    /// <summary>
    /// The most body a validator buffers: the body waits in the connection's input pipe (whose writer pauses at
    /// 1 MiB on both transports), so it stays well below that; a larger JSON body on a validated route gets 413.
    /// </summary>
    public const long MaxValidatedBodyBytes = 256 * 1024;

    public required ImmutableArray<RequiredParameter> Parameters { get; init; }
    /// <summary>The model the body must match; null when only parameters are validated.</summary>
    public JsonSchemaValidator? Body { get; init; }
    public string? ModelName { get; init; }
    /// <summary>The route's maxBodyBytes, capped at <see cref="MaxValidatedBodyBytes"/>.</summary>
    public long MaxBodyBytes { get; init; }

    /// <summary>Bit i set: parameter i is missing or empty. 0: all present.</summary>
    public ulong FindMissing(scoped in MappingInput input)
    {
        ulong missing = 0;
        for (int i = 0; i < Parameters.Length; i++)
        {
            var parameter = Parameters[i];
            bool present = parameter.Kind switch
            {
                RequiredParameterKind.Header => HasHeader(parameter.Name, input),
                RequiredParameterKind.QueryString => HasQuery(parameter.Name, input.Query),
                _ => parameter.CaptureIndex < input.Captures.Length && input.Captures[parameter.CaptureIndex].Length > 0,
            };
            if (!present)
            {
                missing |= 1UL << i;
            }
        }

        return missing;
    }

    /// <summary>AWS's message for <paramref name="missing"/>: <c>Missing required request parameters: [limit, X-Tenant]</c>.</summary>
    public byte[] MissingMessage(ulong missing)
    {
        var text = new StringBuilder("Missing required request parameters: [");
        bool first = true;
        for (int i = 0; i < Parameters.Length; i++)
        {
            if ((missing & (1UL << i)) != 0)
            {
                text.Append(first ? "" : ", ").Append(Parameters[i].DisplayName);
                first = false;
            }
        }

        return Encoding.UTF8.GetBytes(text.Append(']').ToString());
    }

    private static bool HasHeader(byte[] name, scoped in MappingInput input)
    {
        foreach (ref readonly var entry in input.Headers)
        {
            if (Ascii.EqualsIgnoreCase(entry.Name(input.Head), name) && !entry.Value(input.Head).Trim((byte)' ').IsEmpty)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasQuery(byte[] name, ReadOnlySpan<byte> query)
    {
        foreach (var pair in new QueryPairs(query))
        {
            if (!pair.Value.IsEmpty && !pair.Name.IsEmpty && pair.Name.SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }
}
