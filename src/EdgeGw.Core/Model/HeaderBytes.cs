namespace EdgeGw.Core.Model;

public readonly record struct HeaderBytes(byte[] Name, byte[] Value);
