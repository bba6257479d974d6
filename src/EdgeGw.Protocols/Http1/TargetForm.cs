namespace EdgeGw.Protocols.Http1;

public enum TargetForm : byte
{
    Origin,
    Absolute,
    Asterisk,
    Authority,
}
