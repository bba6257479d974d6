namespace EdgeGw.Transport;

/// <summary>Work handed to a loop from another thread; runs on the loop's thread.</summary>
internal interface ILoopWork
{
    void Execute();
}
