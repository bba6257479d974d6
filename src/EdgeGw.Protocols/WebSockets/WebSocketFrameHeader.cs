namespace EdgeGw.Protocols.WebSockets;

/// <summary>A parsed frame header. The payload follows <see cref="HeaderLength"/> bytes after the frame start.</summary>
public readonly record struct WebSocketFrameHeader(bool Fin, WebSocketOpcode Opcode, bool Masked, long PayloadLength, uint MaskKey, int HeaderLength)
{
    public bool IsControl => ((byte)Opcode & 0x8) != 0;
}
