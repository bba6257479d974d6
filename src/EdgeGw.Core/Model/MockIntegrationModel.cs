using System.Collections.Immutable;

namespace EdgeGw.Core.Model;

/// <summary>Answers without an upstream: fixed status, headers and body.</summary>
public sealed class MockIntegrationModel : IntegrationModel
{
    public required int StatusCode { get; init; }
    /// <summary>Header name/value pairs as ASCII bytes, written in order after the gateway's own headers.</summary>
    public required ImmutableArray<HeaderBytes> Headers { get; init; }
    public required byte[] Body { get; init; }
}
