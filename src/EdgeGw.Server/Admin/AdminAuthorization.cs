using System.Collections.Immutable;
using System.Security.Cryptography;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Server.Admin;

/// <summary>
/// The admin token check: with <c>admin.tokenFile</c> set, every request carries <c>Authorization: Bearer &lt;token&gt;</c>.
/// The presented token is hashed and compared digest to digest with <see cref="CryptographicOperations.FixedTimeEquals"/>,
/// so neither the token's length nor its first differing byte shows in the time an answer takes.
/// </summary>
internal struct AdminAuthorization : IHttpHeadersHandler
{
    /// <summary>The 401, encoded once; the connection closes after it (an unread body is not drained for a stranger).</summary>
    public static readonly AdminResponse Unauthorized = AdminResponse.Error(401, "a valid admin token is required (Authorization: Bearer <token>)") with { Challenge = "Bearer realm=\"edgegw-admin\"" };

    private readonly ImmutableArray<byte>? _digest;
    private int _authorizations;
    private bool _valid;

    public AdminAuthorization(ImmutableArray<byte>? digest) => _digest = digest;

    /// <summary>True when no token is configured, or exactly one Authorization header carried the right one.</summary>
    public readonly bool Allowed => _digest is null || (_valid && _authorizations == 1);

    /// <summary>An Accept header asked for OpenMetrics (read here: this is the admin API's one header handler).</summary>
    public bool OpenMetrics { get; private set; }

    public void OnHeader(in HeaderLine header)
    {
        if (System.Text.Ascii.EqualsIgnoreCase(header.Name, "accept"u8))
        {
            OpenMetrics |= Metrics.MetricsText.AcceptsOpenMetrics(header.Value);
            return;
        }

        if (_digest is not { } digest || !System.Text.Ascii.EqualsIgnoreCase(header.Name, "authorization"u8))
        {
            return;
        }

        _authorizations++;
        var value = header.Value;
        if (value.Length <= 7 || !System.Text.Ascii.EqualsIgnoreCase(value[..7], "bearer "u8))
        {
            return;
        }

        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(value[7..].Trim((byte)' '), presented);
        _valid = CryptographicOperations.FixedTimeEquals(presented, digest.AsSpan());
    }
}
