using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;

namespace EdgeGw.Server.Tls;

/// <summary>
/// Rotates the session-ticket keys of each server TLS context (<c>server.tls.ticketKeyRotationSeconds</c>): the first
/// handshake completed on a context after the interval gives it fresh random keys (<c>SSL_CTRL_SET_TLSEXT_TICKET_KEYS</c>:
/// key name, HMAC and AES keys, as many bytes as the library asks for), so a stolen or leaked ticket key stops
/// decrypting tickets — and with them the sessions' secrets — after at most two intervals. A ticket issued before a
/// rotation no longer resumes: its client does one full handshake and gets new tickets. Keys stay per context (per
/// certificate and client-certificate policy, as OpenSSL makes them), so a session never resumes under another
/// domain's policy. .NET has no API for ticket keys; this goes through <see cref="OpenSslNative"/>, on the
/// handshake's task. The keys are written while other handshakes on the same context may read them: one racing
/// handshake can then issue or fail to read one ticket, and that client does a full handshake — never more.
/// </summary>
internal static unsafe class TicketKeyRotation
{
    private const int MaxKeyBytes = 256;
    private const int MaxContexts = 1024;

    /// <summary>Each context seen (its <c>SSL_CTX*</c>) → when its keys were made (first seen: OpenSSL's own, fresh then).</summary>
    private static readonly ConcurrentDictionary<nint, long> Since = new();

    /// <summary>Rotates the keys of <paramref name="stream"/>'s context when they are <paramref name="interval"/> old; false when it cannot.</summary>
    public static bool Check(SslStream stream, long now, long interval) => OpenSslNative.WithSsl(stream, (now, interval), &CheckContext);

    /// <summary>The context's current ticket keys (tests); empty when unavailable.</summary>
    internal static byte[] Keys(SslStream stream)
    {
        var box = new System.Runtime.CompilerServices.StrongBox<byte[]>([]);
        OpenSslNative.WithSsl(stream, box, &ReadKeys);
        return box.Value!;
    }

    /// <summary>Forgets when <paramref name="stream"/>'s context got its keys (tests: its next check is a first sight).</summary>
    internal static void Forget(SslStream stream) => OpenSslNative.WithSsl(stream, 0, &ForgetContext);

    private static bool ForgetContext(nint ssl, int _) => Since.TryRemove(OpenSslNative.SslGetSslCtx(ssl), out long _);

    private static bool CheckContext(nint ssl, (long Now, long Interval) clock)
    {
        nint ctx = OpenSslNative.SslGetSslCtx(ssl);
        if (ctx == 0)
        {
            return false;
        }

        // A clock behind the record (another clock, or a freed context's address reused) counts as a first sight.
        if (!Since.TryGetValue(ctx, out long since) || clock.Now < since)
        {
            if (Since.Count >= MaxContexts)
            {
                Since.Clear(); // contexts come and go with reloads: the clocks restart rather than grow without bound
            }

            Since[ctx] = clock.Now;
            return true;
        }

        // One handshake claims the rotation; the others go on with the keys as they are.
        return clock.Now - since < clock.Interval || !Since.TryUpdate(ctx, clock.Now, since) || SetKeys(ctx);
    }

    private static bool SetKeys(nint ctx)
    {
        // A null buffer asks for the length: 80 bytes in OpenSSL 1.1.1 and 3 (16 name + 32 HMAC + 32 AES).
        long length = OpenSslNative.SslCtxCtrl(ctx, OpenSslNative.SslCtrlSetTicketKeys, 0, 0);
        if (length is <= 0 or > MaxKeyBytes)
        {
            return false;
        }

        byte* keys = stackalloc byte[MaxKeyBytes];
        var span = new Span<byte>(keys, (int)length);
        RandomNumberGenerator.Fill(span);
        try
        {
            return OpenSslNative.SslCtxCtrl(ctx, OpenSslNative.SslCtrlSetTicketKeys, (nint)length, (nint)keys) == 1;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(span);
        }
    }

    private static bool ReadKeys(nint ssl, System.Runtime.CompilerServices.StrongBox<byte[]> into)
    {
        nint ctx = OpenSslNative.SslGetSslCtx(ssl);
        long length = OpenSslNative.SslCtxCtrl(ctx, OpenSslNative.SslCtrlGetTicketKeys, 0, 0);
        if (length is <= 0 or > MaxKeyBytes)
        {
            return false;
        }

        byte[] keys = new byte[length];
        fixed (byte* p = keys)
        {
            if (OpenSslNative.SslCtxCtrl(ctx, OpenSslNative.SslCtrlGetTicketKeys, (nint)length, (nint)p) != 1)
            {
                return false;
            }
        }

        into.Value = keys;
        return true;
    }
}
