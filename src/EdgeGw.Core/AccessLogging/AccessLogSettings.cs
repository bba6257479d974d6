namespace EdgeGw.Core.AccessLogging;

/// <summary>
/// One stage's (or the gateway default's) compiled access log: where lines go and their template.
/// <see cref="DestinationIndex"/> indexes <c>GatewayModel.AccessLogDestinations</c> (and the runtime's sinks bound to them).
/// </summary>
public sealed class AccessLogSettings(string destination, int destinationIndex, AccessLogTemplate template)
{
    /// <summary>The destination name for standard output.</summary>
    public const string Stdout = "stdout";

    /// <summary><c>stdout</c> or a file path (opened for append).</summary>
    public string Destination { get; } = destination;
    public int DestinationIndex { get; } = destinationIndex;
    public AccessLogTemplate Template { get; } = template;
}
