using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;

namespace EdgeGw.Server.Tls;

/// <summary>
/// The two OpenSSL controls .NET gives no API for — a connection's mode (<see cref="OpenSslBuffers"/>) and its
/// context's session-ticket keys (<see cref="TicketKeyRotation"/>) — reached through SslStream's private
/// <c>_securityContext</c> (a <c>SafeSslHandle</c>, the connection's <c>SSL*</c>, on Linux; checked by its type's name
/// at every use) and called in the very libssl the runtime loaded (found in <c>/proc/self/maps</c>, so a process with
/// two OpenSSL versions cannot mix them). Bound once, at the first use after a handshake (the runtime loads libssl for
/// its first SslStream): on another OS or runtime layout it is unavailable, says why, and nothing changes.
/// </summary>
internal static unsafe class OpenSslNative
{
    public const int SslCtrlMode = 33; // SSL_CTRL_MODE (OpenSSL 1.1 and 3)
    public const int SslCtrlGetTicketKeys = 58; // SSL_CTRL_GET_TLSEXT_TICKET_KEYS
    public const int SslCtrlSetTicketKeys = 59; // SSL_CTRL_SET_TLSEXT_TICKET_KEYS

    private sealed class Bound(FieldInfo field, nint sslCtrl, nint sslGetSslCtx, nint sslCtxCtrl)
    {
        public FieldInfo Field { get; } = field;
        public delegate* unmanaged[Cdecl]<nint, int, nint, nint, nint> SslCtrl { get; } = (delegate* unmanaged[Cdecl]<nint, int, nint, nint, nint>)sslCtrl;
        public delegate* unmanaged[Cdecl]<nint, nint> SslGetSslCtx { get; } = (delegate* unmanaged[Cdecl]<nint, nint>)sslGetSslCtx;
        public delegate* unmanaged[Cdecl]<nint, int, nint, nint, nint> SslCtxCtrl { get; } = (delegate* unmanaged[Cdecl]<nint, int, nint, nint, nint>)sslCtxCtrl;
    }

    private static readonly Lazy<(Bound? Bound, string Why)> Binding = new(Bind);

    public static bool Available => Binding.Value.Bound is not null;

    /// <summary>Why it is not <see cref="Available"/> (empty when it is).</summary>
    public static string Unavailable => Binding.Value.Why;

    /// <summary>
    /// Runs <paramref name="action"/> with the connection's <c>SSL*</c>, holding a reference on its handle; false (and
    /// nothing run) when unavailable or the stream has no live OpenSSL connection.
    /// </summary>
    public static bool WithSsl<TState>(SslStream stream, TState state, delegate*<nint, TState, bool> action)
    {
        if (Binding.Value.Bound is not { } bound || bound.Field.GetValue(stream) is not SafeHandle { IsInvalid: false } handle
            || handle.GetType().FullName != "Microsoft.Win32.SafeHandles.SafeSslHandle")
        {
            return false;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return action(handle.DangerousGetHandle(), state);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public static nint SslCtrl(nint ssl, int cmd, nint larg, nint parg) => Binding.Value.Bound!.SslCtrl(ssl, cmd, larg, parg);

    public static nint SslGetSslCtx(nint ssl) => Binding.Value.Bound!.SslGetSslCtx(ssl);

    public static nint SslCtxCtrl(nint ctx, int cmd, nint larg, nint parg) => Binding.Value.Bound!.SslCtxCtrl(ctx, cmd, larg, parg);

    private static (Bound?, string) Bind()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, "SslStream is not OpenSSL on this OS");
        }

        var field = typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);
        if (field is null || !typeof(SafeHandle).IsAssignableFrom(field.FieldType))
        {
            return (null, $"this runtime's SslStream ({typeof(SslStream).Assembly.GetName().Version}) does not hold its context where expected");
        }

        string? path = LoadedLibssl();
        if (path is null || !NativeLibrary.TryLoad(path, out nint library))
        {
            return (null, "no libssl is loaded in this process");
        }

        if (!NativeLibrary.TryGetExport(library, "SSL_ctrl", out nint sslCtrl) || !NativeLibrary.TryGetExport(library, "SSL_get_SSL_CTX", out nint getCtx)
            || !NativeLibrary.TryGetExport(library, "SSL_CTX_ctrl", out nint ctxCtrl))
        {
            return (null, $"{path} lacks SSL_ctrl, SSL_get_SSL_CTX or SSL_CTX_ctrl");
        }

        return (new Bound(field, sslCtrl, getCtx, ctxCtrl), "");
    }

    /// <summary>The path of the libssl mapped into this process (the runtime's), or null.</summary>
    private static string? LoadedLibssl()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0 && line.AsSpan(slash).Contains("/libssl.so", StringComparison.Ordinal))
                {
                    return line[slash..];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
