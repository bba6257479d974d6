using System.Collections.Immutable;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Observability;

namespace EdgeGw.Core.GatewayResponses;

/// <summary>
/// One configured gateway response, compiled: its status (0: the answer's own), its header lines (Content-Type
/// first unless configured, each ending CRLF) and its body template (default: the built-in body).
/// </summary>
public sealed class GatewayResponseDefinition
{
    internal GatewayResponseDefinition(string typeName, int statusCode, byte[] headers, ImmutableArray<AccessLogPart> body)
    {
        TypeName = typeName;
        StatusCode = statusCode;
        Headers = headers;
        Body = body;
    }

    /// <summary>The type as configured (<c>THROTTLED</c>, <c>DEFAULT_4XX</c>, …), for diagnostics.</summary>
    public string TypeName { get; }

    /// <summary>The status to send; 0 keeps the status of the answer it replaces.</summary>
    public int StatusCode { get; }

    /// <summary>Header lines, each ending in CRLF, with Content-Type (application/json unless configured).</summary>
    public byte[] Headers { get; }

    /// <summary>The body template's parts; default (IsDefault) when the built-in body stays.</summary>
    public ImmutableArray<AccessLogPart> Body { get; }

    public bool HasBody => !Body.IsDefault;
}

/// <summary>
/// An API's <c>gatewayResponses</c>, compiled: one slot per AWS gateway response type. The lookup follows AWS's
/// fallback: the answer's own type, else <c>DEFAULT_4XX</c> (answers below 500) or <c>DEFAULT_5XX</c>, else
/// nothing (the caller sends the built-in answer). An array index and a null check; no allocation.
/// </summary>
public sealed class GatewayResponseSet
{
    private readonly GatewayResponseDefinition?[] _byType;

    internal GatewayResponseSet(GatewayResponseDefinition?[] byType) => _byType = byType;

    /// <summary>The response that replaces an answer of <paramref name="type"/> with <paramref name="status"/>; null: the built-in one.</summary>
    public GatewayResponseDefinition? Find(GatewayErrorType type, int status)
    {
        var byType = _byType;
        if ((uint)type < (uint)byType.Length && byType[(int)type] is { } specific)
        {
            return specific;
        }

        return byType[(int)(status < 500 ? GatewayErrorType.Default4xx : GatewayErrorType.Default5xx)];
    }
}
