using System.Buffers.Text;
using System.Security.Cryptography;

namespace EdgeGw.Protocols.WebSockets;

/// <summary>The opening handshake's key check and <c>Sec-WebSocket-Accept</c> value (RFC 6455 §4.2).</summary>
public static class WebSocketHandshake
{
    /// <summary>Length of a <c>Sec-WebSocket-Accept</c> value: base64 of a 20-byte SHA-1.</summary>
    public const int AcceptLength = 28;

    private static ReadOnlySpan<byte> Guid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>
    /// Checks that <paramref name="key"/> is base64 of 16 bytes and writes the accept value. False for a key a
    /// server must refuse.
    /// </summary>
    public static bool TryComputeAccept(ReadOnlySpan<byte> key, Span<byte> accept)
    {
        key = key.Trim((byte)' ').Trim((byte)'\t');
        Span<byte> decoded = stackalloc byte[18];
        if (key.Length != 24 || Base64.DecodeFromUtf8(key, decoded, out _, out int written) != System.Buffers.OperationStatus.Done || written != 16)
        {
            return false;
        }

        Span<byte> input = stackalloc byte[24 + 36];
        key.CopyTo(input);
        Guid.CopyTo(input[24..]);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        Base64.EncodeToUtf8(hash, accept, out _, out _);
        return true;
    }
}
