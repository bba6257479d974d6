using Microsoft.Win32.SafeHandles;

namespace EdgeGw.Transport;

/// <summary>
/// A socket descriptor. Every system call takes it as a <see cref="System.Runtime.InteropServices.SafeHandle"/>,
/// so closing it while another thread is inside <c>send</c> or <c>recv</c> waits for that call to return, and the
/// number is never reused for a new connection while a call on the old one can still run.
/// </summary>
internal sealed class SocketFd : SafeHandleMinusOneIsInvalid
{
    public SocketFd(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>The budget this descriptor was taken from; given back when it is closed.</summary>
    public DescriptorBudget? Budget { get; init; }

    protected override bool ReleaseHandle()
    {
        bool closed = Native.Close(handle) == 0;
        Budget?.Release();
        return closed;
    }
}
