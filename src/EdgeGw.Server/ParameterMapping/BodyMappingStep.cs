using System.Buffers;
using EdgeGw.Core.Model;
using EdgeGw.Core.ParameterMapping;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.ParameterMapping;

/// <summary>
/// <c>$request.body</c> sources: a route whose request mapping reads the body buffers a Content-Length JSON body of
/// at most <see cref="BodyPath.MaxBodyBytes"/> (and the route's <c>maxBodyBytes</c>) in the input pipe
/// (<see cref="RequestBodyBuffer"/>, once even with request validation); the upstream request writer then reads
/// <see cref="ClientRequest.BufferedBody"/>. Any other body (chunked, not JSON, larger) leaves the source empty
/// and is streamed as always. One per connection, created on the first such route.
/// </summary>
internal sealed class BodyMappingStep
{
    private readonly ClientRequest _request;
    private readonly RequestBodyBuffer _bodyBuffer;

    public BodyMappingStep(ClientRequest request, RequestBodyBuffer bodyBuffer)
    {
        _request = request;
        _bodyBuffer = bodyBuffer;
    }

    /// <param name="buffer">The input read that holds the head, not yet advanced (as the head loop leaves it).</param>
    public ValueTask<BodyBufferOutcome> BufferAsync(RouteModel route, ReadOnlySequence<byte> buffer)
    {
        ref readonly var head = ref _request.Head;
        if (_request.BodyBuffered || head.Body != BodyKind.ContentLength
            || head.ContentLength > Math.Min(BodyPath.MaxBodyBytes, route.MaxBodyBytes) || !_bodyBuffer.IsJson())
        {
            // Already read (validation), or a body the sources do not read: they are empty.
            return ValueTask.FromResult(BodyBufferOutcome.Buffered);
        }

        return _bodyBuffer.BufferAsync(buffer);
    }
}
