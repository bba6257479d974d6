namespace EdgeGw.Transport;

/// <summary>Something registered with an <see cref="EpollLoop"/>: told about readiness on the loop's thread.</summary>
internal interface IEpollHandler
{
    void OnEvents(uint events);
}
