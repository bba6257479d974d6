namespace EdgeGw.Core.Tls;

/// <summary>
/// Where a certificate comes from: its PEM files, whether it is the default (for clients without SNI or with
/// a name no certificate has), and the JSON path that named it (for errors). <c>server.tls.certificates</c>
/// gives these; other sections (custom domains) add their own to the same store.
/// </summary>
public sealed record CertificateSource(string CertFile, string KeyFile, bool IsDefault, string JsonPath);
