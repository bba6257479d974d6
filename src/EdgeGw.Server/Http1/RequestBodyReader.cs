using System.Buffers;
using System.Runtime.CompilerServices;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Http1;

/// <summary>
/// Reads a client's request body through <see cref="BodyFramer"/> and streams it to an upstream connection
/// (or nowhere: mock integrations and cache hits answer without it), one read at a time with a flush per read,
/// so memory stays bounded by the pipes' thresholds whatever the body size. A chunked body is decoded and
/// re-encoded, so extensions and trailers never reach the upstream. A slow body is bounded by
/// <c>minBodyBytesPerSecond</c> after a grace of one head timeout.
/// </summary>
internal sealed class RequestBodyReader
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private BodyFramer _framer;

    public RequestBodyReader(ClientConnection connection, ClientRequest request)
    {
        _connection = connection;
        _request = request;
    }

    /// <summary>Reads and discards the body.</summary>
    public ValueTask<BodyOutcome> DrainAsync(long limit) => CopyAsync(null, limit, Timeout.InfiniteTimeSpan);

    /// <summary>Reads the whole body, decoded (a chunked one de-chunked), into <paramref name="sink"/> (a Lambda event's body).</summary>
    public ValueTask<BodyOutcome> ReadAllAsync(EdgeGw.Protocols.Buffers.BlockBufferWriter sink, long limit) => CopyAsync(null, limit, Timeout.InfiniteTimeSpan, sink);

    /// <param name="sink">Where the decoded body goes instead of an upstream (then <paramref name="upstream"/> is null).</param>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<BodyOutcome> CopyAsync(UpstreamConnection? upstream, long limit, TimeSpan stallTimeout, EdgeGw.Protocols.Buffers.BlockBufferWriter? sink = null)
    {
        var input = _connection.Input;
        var deadline = _connection.Deadline;
        var runtime = _connection.Runtime;
        var server = runtime.Current.Model.Server;
        _framer = new BodyFramer(_request.Head.Body, _request.Head.ContentLength, chunkedOutput: sink is null, limit, server.Limits.MaxHeaderBytes);
        if (_request.Head.ExpectContinue)
        {
            _connection.Output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
            await _connection.Output.FlushAsync().ConfigureAwait(false);
        }

        var time = runtime.Time;
        long started = time.GetTimestamp();
        long received = 0;
        int minRate = server.Limits.MinBodyBytesPerSecond;
        try
        {
            while (true)
            {
                var wait = server.RequestHeadTimeout;
                if (minRate > 0)
                {
                    // Grace of one head timeout, then each byte received buys 1/minRate s more: a client sending
                    // at least minRate bytes/s never runs out; a trickle does.
                    var allowed = server.RequestHeadTimeout + TimeSpan.FromSeconds((double)received / minRate) - time.GetElapsedTime(started);
                    if (allowed <= TimeSpan.Zero)
                    {
                        return BodyOutcome.TimedOut;
                    }

                    wait = allowed < wait ? allowed : wait;
                }

                deadline.Arm(wait);
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled && deadline.Expired)
                {
                    input.AdvanceTo(buffer.Start);
                    return BodyOutcome.TimedOut;
                }

                SequencePosition consumed;
                var status = sink is null
                    ? _framer.Frame(buffer, inputCompleted: false, upstream?.Output, observer: null, out consumed)
                    : _framer.Frame(buffer, inputCompleted: false, sink, observer: null, out consumed);
                received += buffer.Slice(0, consumed).Length;
                // Once the body is complete, the rest of the buffer is the next pipelined request: leave it unexamined
                // so the next read returns it at once.
                input.AdvanceTo(consumed, status == BodyFrameStatus.NeedMoreData ? buffer.End : consumed);
                if (status == BodyFrameStatus.TooLarge)
                {
                    return BodyOutcome.TooLarge;
                }

                if (status == BodyFrameStatus.Invalid)
                {
                    return BodyOutcome.Invalid;
                }

                if (upstream is not null)
                {
                    upstream.Deadline.Arm(stallTimeout);
                    var flush = await upstream.Output.FlushAsync().ConfigureAwait(false);
                    upstream.Deadline.Disarm();
                    if (flush.IsCanceled)
                    {
                        return BodyOutcome.UpstreamStalled;
                    }

                    if (flush.IsCompleted)
                    {
                        return BodyOutcome.UpstreamClosed;
                    }
                }

                if (status == BodyFrameStatus.Complete)
                {
                    return BodyOutcome.Complete;
                }

                if (result.IsCompleted)
                {
                    return BodyOutcome.ClientClosed;
                }
            }
        }
        finally
        {
            deadline.Disarm();
        }
    }
}
