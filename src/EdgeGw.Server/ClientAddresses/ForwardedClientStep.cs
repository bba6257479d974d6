using System.Net;
using EdgeGw.Core.ClientAddresses;
using EdgeGw.Protocols.Infrastructure;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.ClientAddresses;

/// <summary>
/// With <c>server.trustedProxies</c>: finds the client of a request whose peer (after the PROXY protocol) is a
/// trusted proxy — the right-most untrusted X-Forwarded-For address (<see cref="ForwardedFor"/>) — and sets it as
/// the request's <see cref="ClientRequest.ClientAddress"/>, with the part of X-Forwarded-For left of it to go on
/// toward the backend. One per client connection, created on the first request that needs it; owns the buffer the
/// client's canonical text is written into, and whether the peer is trusted under the current blocks.
/// </summary>
internal sealed class ForwardedClientStep
{
    private readonly ClientRequest _request;
    private readonly byte[] _address = new byte[IPAddressText.MaxLength];
    private readonly IPAddressValue? _peer;
    private TrustedProxies? _checkedAgainst;
    private bool _peerTrusted;

    public ForwardedClientStep(ClientConnection connection, ClientRequest request)
    {
        _request = request;
        _peer = connection.Context.RemoteEndPoint is IPEndPoint ip
            ? IPAddressValue.From(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address)
            : null;
    }

    public void Resolve(TrustedProxies trusted)
    {
        if (!ReferenceEquals(trusted, _checkedAgainst))
        {
            // Once per connection and reload, not per request.
            _checkedAgainst = trusted;
            _peerTrusted = _peer is { } peer && trusted.Contains(peer);
        }

        if (!_peerTrusted
            || !ForwardedFor.TryFindClient(_request.Span, _request.Headers, trusted, out var client, out int headerIndex, out int keepLength))
        {
            return;
        }

        int length = IPAddressText.Format(client, _address);
        _request.SetForwardedClient(_address.AsMemory(0, length), headerIndex, keepLength);
    }
}
