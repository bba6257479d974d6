using System.Text;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Observability;
using EdgeGw.Core.Routing;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.ParameterMapping;

/// <summary>What a mapped value may read: the parsed request (or response) head, as spans over its bytes.</summary>
public readonly ref struct MappingInput
{
    /// <summary>The head the header entries point into.</summary>
    public ReadOnlySpan<byte> Head { get; init; }
    public ReadOnlySpan<HeaderEntry> Headers { get; init; }
    /// <summary>The request path as received (with the stage prefix).</summary>
    public ReadOnlySpan<byte> Path { get; init; }
    public int StagePrefixLength { get; init; }
    /// <summary>The query with its leading <c>?</c>, or empty.</summary>
    public ReadOnlySpan<byte> Query { get; init; }
    public ReadOnlySpan<PathCapture> Captures { get; init; }
    /// <summary>The buffered JSON body (<c>$request.body</c>); empty when the route does not buffer it or the request has none.</summary>
    public System.Buffers.ReadOnlySequence<byte> Body { get; init; }
}

/// <summary>
/// Writes a <see cref="MappingValue"/> for one request into a caller's scratch span: no parsing, lookup tables or
/// allocation — header and query names are compared as bytes, <c>$context</c> variables are written by the access
/// log's formatter from the <see cref="RequestRecord"/>, authorizer values come from its <see cref="CallerIdentity"/>.
/// </summary>
public static class MappingEvaluator
{
    /// <summary>The room a mapped value gets (a longer value is not sent; the request goes on without it).</summary>
    public const int MaxValueBytes = 8 * 1024;

    /// <summary>False when the value did not fit <paramref name="destination"/>.</summary>
    public static bool TryEvaluate(MappingValue value, scoped in MappingInput input, in RequestRecord record, Span<byte> destination, out int written)
    {
        written = 0;
        foreach (var part in value.Parts)
        {
            int n;
            bool fits;
            switch (part.Source)
            {
                case MappingSource.Literal:
                    fits = Copy(part.Bytes, destination[written..], out n);
                    break;
                case MappingSource.RequestHeader:
                case MappingSource.ResponseHeader:
                    fits = JoinHeader(part.Bytes, input, destination[written..], out n);
                    break;
                case MappingSource.RequestQueryString:
                    fits = JoinQuery(part.Bytes, input.Query, destination[written..], out n);
                    break;
                case MappingSource.RequestPathParameter:
                    if (part.Index < input.Captures.Length)
                    {
                        var capture = input.Captures[part.Index];
                        fits = Copy(input.Path.Slice(capture.Start, capture.Length), destination[written..], out n);
                    }
                    else
                    {
                        fits = true;
                        n = 0;
                    }

                    break;
                case MappingSource.RequestPath:
                    var rest = input.Path[input.StagePrefixLength..];
                    fits = Copy(rest.IsEmpty ? "/"u8 : rest, destination[written..], out n);
                    break;
                case MappingSource.RequestBody:
                    fits = part.Body!.TryWrite(input.Body, destination[written..], out n);
                    break;
                case MappingSource.AuthorizerPrincipalId:
                    fits = Copy(record.Identity is { } principal ? principal.PrincipalId : default, destination[written..], out n);
                    break;
                case MappingSource.AuthorizerClaim:
                    ReadOnlySpan<byte> claim = default;
                    _ = record.Identity?.TryGetClaim(part.Bytes, out claim);
                    fits = Copy(claim, destination[written..], out n);
                    break;
                case MappingSource.AuthorizerContext:
                    ReadOnlySpan<byte> context = default;
                    _ = record.Identity?.TryGetContext(part.Bytes, out context);
                    fits = Copy(context, destination[written..], out n);
                    break;
                default:
                    var variable = new AccessLogPart(null, part.Variable, AccessLogEscape.Text);
                    fits = AccessLogFormatter.TryFormatParts(new ReadOnlySpan<AccessLogPart>(in variable), in record, destination[written..], out n);
                    break;
            }

            if (!fits)
            {
                written = 0;
                return false;
            }

            written += n;
        }

        // Header and query values can carry no line break: whatever the sources held, a control byte becomes a space.
        var result = destination[..written];
        int control;
        while ((control = result.IndexOfAnyInRange((byte)0, (byte)0x1F)) >= 0)
        {
            result[control] = (byte)' ';
            result = result[(control + 1)..];
        }

        return true;
    }

    private static bool Copy(scoped ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = source.Length;
        return source.TryCopyTo(destination);
    }

    private static bool JoinHeader(byte[] name, scoped in MappingInput input, Span<byte> destination, out int written)
    {
        written = 0;
        bool first = true;
        foreach (ref readonly var entry in input.Headers)
        {
            if (!Ascii.EqualsIgnoreCase(entry.Name(input.Head), name))
            {
                continue;
            }

            if (!first)
            {
                if (written >= destination.Length)
                {
                    return false;
                }

                destination[written++] = (byte)',';
            }

            first = false;
            var value = entry.Value(input.Head);
            if (!value.TryCopyTo(destination[written..]))
            {
                return false;
            }

            written += value.Length;
        }

        return true;
    }

    private static bool JoinQuery(byte[] name, ReadOnlySpan<byte> query, Span<byte> destination, out int written)
    {
        written = 0;
        bool first = true;
        foreach (var pair in new QueryPairs(query))
        {
            if (!pair.Name.SequenceEqual(name))
            {
                continue;
            }

            if (!first)
            {
                if (written >= destination.Length)
                {
                    return false;
                }

                destination[written++] = (byte)',';
            }

            first = false;
            var value = pair.Value;
            if (!value.TryCopyTo(destination[written..]))
            {
                return false;
            }

            written += value.Length;
        }

        return true;
    }
}
