namespace EdgeGw.Protocols.Http1;

public enum HeadScanStatus : byte
{
    NeedMoreData,
    Complete,
    Error,
}
