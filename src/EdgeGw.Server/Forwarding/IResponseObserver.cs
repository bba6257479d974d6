using System.IO.Pipelines;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Server.Forwarding;

/// <summary>
/// Sees a proxied response on its way to the client: its head before it is written (and may add headers to
/// it), each piece of its body, and how it ended. The response cache's capture is one; response-side policies
/// (compression, response parameter mapping, CORS headers) hook in the same way. A route without one pays a
/// null check per response.
/// </summary>
internal interface IResponseObserver : IBodyObserver
{
    /// <summary>The upstream head as received, before the client's head is written.</summary>
    void OnResponseHead(UpstreamResponse response);

    /// <summary>Headers of the observer's own on the client's response (written after the upstream's).</summary>
    void WriteResponseHeaders(ref BufferWriter<PipeWriter> writer);

    /// <summary>The body reached the client whole and the upstream connection was clean (<paramref name="complete"/>), or not.</summary>
    void OnResponseEnd(bool complete);
}
