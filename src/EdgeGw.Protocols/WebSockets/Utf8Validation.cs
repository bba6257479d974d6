using System.Text;
using System.Text.Unicode;

namespace EdgeGw.Protocols.WebSockets;

/// <summary>
/// UTF-8 validation that works on a message arriving in fragments: a fragment may end inside a character,
/// but must not contain anything that can never become valid (RFC 6455 §8.1 lets the endpoint fail fast).
/// </summary>
public static class Utf8Validation
{
    /// <summary>
    /// False when <paramref name="data"/> holds bytes that are invalid whatever follows. Otherwise
    /// <paramref name="incompleteTail"/> counts the bytes at the end that start a character not yet complete.
    /// </summary>
    public static bool TryValidatePrefix(ReadOnlySpan<byte> data, out int incompleteTail)
    {
        incompleteTail = 0;
        if (Utf8.IsValid(data))
        {
            return true;
        }

        // Invalid as a whole: either a real error, or a valid text cut inside its last character.
        int tailStart = data.Length - 1;
        while (tailStart > 0 && data.Length - tailStart < 4 && (data[tailStart] & 0xC0) == 0x80)
        {
            tailStart--;
        }

        var tail = data[tailStart..];
        if (Rune.DecodeFromUtf8(tail, out _, out _) != System.Buffers.OperationStatus.NeedMoreData || !Utf8.IsValid(data[..tailStart]))
        {
            return false;
        }

        incompleteTail = tail.Length;
        return true;
    }
}
