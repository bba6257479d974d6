namespace EdgeGw.Transport.Tests;

/// <summary>A fact that skips, saying why, where the epoll transport cannot run.</summary>
public sealed class EpollFactAttribute : FactAttribute
{
    public EpollFactAttribute()
    {
        if (!EpollTransport.IsSupported)
        {
            Skip = "the epoll transport runs on Linux (x64, arm64) only";
        }
    }
}
