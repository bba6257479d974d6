namespace EdgeGw.Core.Model;

/// <summary>
/// An upstream address. <see cref="Authority"/> is <c>host:port</c> and is what the Host header carries;
/// <see cref="UseTls"/> when it was written <c>https://host:port</c>.
/// </summary>
public sealed record DestinationModel(string Host, int Port, bool UseTls = false)
{
    public string Authority { get; } = Host.Contains(':') && !Host.StartsWith('[') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
