using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;

namespace EdgeGw.Server.Tls;

/// <summary>
/// Sets OpenSSL's <c>SSL_MODE_RELEASE_BUFFERS</c> on a server connection once its handshake is done
/// (<c>server.tls.releaseBuffers</c>): OpenSSL then frees a connection's record read and write buffers whenever they
/// drain, instead of keeping them for the connection's life — what nginx sets on every context. Measured: 10,000 idle
/// TLS 1.3 connections 440 → 348 MB RSS (~9 KB each; <c>loadtests/compare.sh</c> <c>IDLE_TLS=1</c>).
/// </summary>
/// <remarks>
/// .NET has no API for OpenSSL modes, so this reaches the connection's <c>SSL*</c> through SslStream's private
/// <c>_securityContext</c> (a <c>SafeSslHandle</c> on Linux, checked by its type's name at every use) and calls <c>SSL_ctrl(ssl, SSL_CTRL_MODE, …)</c> in the
/// very libssl the runtime loaded (found in <c>/proc/self/maps</c>, so a process with two OpenSSL versions cannot mix
/// them). Everything is checked once, at the first use: on another OS, another runtime layout or without a loaded
/// libssl it is <see cref="Available"/> = false and connections simply keep their buffers (the host logs it once).
/// The call is made on the handshake's own task, before anything else uses the connection, under a handle reference.
/// </remarks>
internal static class OpenSslBuffers
{
    private const int SslCtrlMode = 33; // SSL_CTRL_MODE (OpenSSL 1.1 and 3)
    private const long ModeReleaseBuffers = 0x10; // SSL_MODE_RELEASE_BUFFERS

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint SslCtrl(nint ssl, int cmd, nint larg, nint parg);

    private static readonly Lazy<(FieldInfo? Field, SslCtrl? Ctrl, string Why)> Binding = new(Bind);

    /// <summary>Whether the mode can be set in this process; when not, <see cref="Unavailable"/> says why.</summary>
    public static bool Available => Binding.Value.Ctrl is not null;

    public static string Unavailable => Binding.Value.Why;

    /// <summary>Sets the mode on <paramref name="stream"/>'s connection; false when it cannot (nothing changes then).</summary>
    public static bool TryRelease(SslStream stream)
    {
        var (field, ctrl, _) = Binding.Value;
        if (ctrl is null || field!.GetValue(stream) is not SafeHandle handle || handle.IsInvalid || !IsSsl(handle))
        {
            return false;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            long mode = ctrl(handle.DangerousGetHandle(), SslCtrlMode, (nint)ModeReleaseBuffers, 0);
            return (mode & ModeReleaseBuffers) != 0;
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

    /// <summary>The connection's current OpenSSL mode bits (tests); -1 when unavailable.</summary>
    internal static long Mode(SslStream stream)
    {
        var (field, ctrl, _) = Binding.Value;
        if (ctrl is null || field!.GetValue(stream) is not SafeHandle { IsInvalid: false } handle || !IsSsl(handle))
        {
            return -1;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return ctrl(handle.DangerousGetHandle(), SslCtrlMode, 0, 0); // OR-ing nothing returns the mode
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The context is an <c>SSL*</c> (the runtime's <c>SafeSslHandle</c>), nothing else an SslStream might hold.</summary>
    private static bool IsSsl(SafeHandle handle) => handle.GetType().FullName == "Microsoft.Win32.SafeHandles.SafeSslHandle";

    private static (FieldInfo?, SslCtrl?, string) Bind()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, null, "SslStream is not OpenSSL on this OS");
        }

        var field = typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);
        if (field is null || !typeof(SafeHandle).IsAssignableFrom(field.FieldType))
        {
            return (null, null, $"this runtime's SslStream ({typeof(SslStream).Assembly.GetName().Version}) does not hold its context where expected");
        }

        // The runtime loads libssl when its first SslStream authenticates: look for it then, not at startup.
        string? path = LoadedLibssl();
        if (path is null || !NativeLibrary.TryLoad(path, out nint library) || !NativeLibrary.TryGetExport(library, "SSL_ctrl", out nint export))
        {
            return (null, null, "no libssl with SSL_ctrl is loaded in this process");
        }

        return (field, Marshal.GetDelegateForFunctionPointer<SslCtrl>(export), "");
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
