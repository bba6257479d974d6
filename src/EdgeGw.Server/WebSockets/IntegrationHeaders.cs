namespace EdgeGw.Server.WebSockets;

/// <summary>Header blocks for one integration call, each pre-encoded as lines ending in CRLF.</summary>
internal readonly record struct IntegrationHeaders(ReadOnlyMemory<byte> Connection, ReadOnlyMemory<byte> Route, ReadOnlyMemory<byte> Event);
