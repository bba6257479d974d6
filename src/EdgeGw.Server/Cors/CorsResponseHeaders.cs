using System.IO.Pipelines;
using EdgeGw.Core.Cors;
using EdgeGw.Protocols.Buffers;

namespace EdgeGw.Server.Cors;

/// <summary>
/// The CORS headers of the current request's response (an actual request on an API with <c>cors</c>): the
/// request's Origin copied at the CORS step (the head goes back to the pipe before the response is written), and
/// whether the policy allows it. Written by <see cref="Http1.ClientResponder.WriteCommonHeaders"/> into every
/// response — the integration's, the cache's, the mock's and the gateway's own errors. One per connection.
/// </summary>
internal sealed class CorsResponseHeaders
{
    private readonly byte[] _origin = new byte[CorsOrigins.MaxOriginBytes];
    private int _originLength;
    private CorsPolicy? _policy;
    private bool _allowed;

    /// <summary>Starts a request on a route with <paramref name="policy"/> and Origin <paramref name="origin"/> (empty: none sent).</summary>
    public void Set(CorsPolicy policy, ReadOnlySpan<byte> origin)
    {
        _policy = policy;
        _allowed = policy.AllowsOrigin(origin);
        _originLength = _allowed ? origin.Length : 0;
        if (_allowed)
        {
            origin.CopyTo(_origin);
        }
    }

    public ReadOnlySpan<byte> Origin => _origin.AsSpan(0, _originLength);

    /// <summary>Allow-Origin (+ Credentials, Expose-Headers) for an allowed origin; <c>Vary: Origin</c> whenever the answer depends on it.</summary>
    public void Write(ref BufferWriter<PipeWriter> writer)
    {
        var policy = _policy!;
        if (_allowed)
        {
            WriteAllowOrigin(ref writer, policy, Origin);
            if (policy.ExposeHeadersLine is { } expose)
            {
                writer.Write(expose);
            }
        }

        if (policy.VaryByOrigin)
        {
            writer.Write(CorsPolicy.VaryLine);
        }
    }

    /// <summary><c>*</c> for a policy that allows any origin (never with credentials), else the origin echoed, and Allow-Credentials.</summary>
    public static void WriteAllowOrigin(ref BufferWriter<PipeWriter> writer, CorsPolicy policy, ReadOnlySpan<byte> origin)
    {
        if (policy.AnyOrigin && !policy.AllowCredentials)
        {
            writer.Write(CorsPolicy.AnyOriginLine);
        }
        else
        {
            writer.WriteHeader("Access-Control-Allow-Origin"u8, origin);
        }

        if (policy.AllowCredentials)
        {
            writer.Write(CorsPolicy.CredentialsLine);
        }
    }
}
