using EdgeGw.Server.Infrastructure;
using EdgeGw.Core.Upstream;
using System.Runtime.CompilerServices;
using System.Buffers;
using System.IO.Pipelines;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Server.Http1;

internal enum BodyOutcome : byte
{
    Complete,
    TooLarge,
    Invalid,
    ClientClosed,
    TimedOut,
    UpstreamClosed,
    /// <summary>The upstream stopped reading the body (e.g. it answered early) for longer than the response timeout.</summary>
    UpstreamStalled,
}

internal sealed partial class Http1Connection
{
    private ChunkedDecoder _chunked;
    private long _bodyRemaining;
    private long _bodyTotal;

    /// <summary>Reads and discards the request body (mock integrations answer without it).</summary>
    private ValueTask<BodyOutcome> DrainBodyAsync(long limit) => CopyRequestBodyAsync(null, limit, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Streams the request body from the client to <paramref name="upstream"/> (or nowhere), one read at a time
    /// with a flush per read: memory stays bounded by the pipes' thresholds whatever the body size. A chunked
    /// body is decoded and re-encoded, so extensions and trailers never reach the upstream.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<BodyOutcome> CopyRequestBodyAsync(UpstreamConnection? connection, long limit, TimeSpan stallTimeout)
    {
        var upstream = connection?.Output;
        var server = _runtime.Current.Model.Server;
        _bodyRemaining = _request.Body == BodyKind.ContentLength ? _request.ContentLength : 0;
        _bodyTotal = 0;
        _chunked = new ChunkedDecoder(server.Limits.MaxHeaderBytes);
        if (_request.ExpectContinue)
        {
            _output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
            await _output.FlushAsync().ConfigureAwait(false);
        }

        var time = _runtime.Time;
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

                _deadline.Arm(wait);
                var result = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled && _deadline.Expired)
                {
                    _input.AdvanceTo(buffer.Start);
                    return BodyOutcome.TimedOut;
                }

                var outcome = _request.Body == BodyKind.Chunked
                    ? ConsumeChunked(buffer, upstream, limit, out var consumed)
                    : ConsumeFixed(buffer, upstream, out consumed);
                received += buffer.Slice(0, consumed).Length;
                // Once the body is complete, the rest of the buffer is the next pipelined request: leave it unexamined
                // so the next read returns it at once.
                _input.AdvanceTo(consumed, outcome is null ? buffer.End : consumed);
                if (outcome is not null && outcome != BodyOutcome.Complete)
                {
                    return outcome.Value;
                }

                if (connection is not null)
                {
                    connection.Deadline.Arm(stallTimeout);
                    var flush = await connection.Output.FlushAsync().ConfigureAwait(false);
                    connection.Deadline.Disarm();
                    if (flush.IsCanceled)
                    {
                        return BodyOutcome.UpstreamStalled;
                    }

                    if (flush.IsCompleted)
                    {
                        return BodyOutcome.UpstreamClosed;
                    }
                }

                if (outcome == BodyOutcome.Complete)
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
            _deadline.Disarm();
        }
    }

    private BodyOutcome? ConsumeFixed(in ReadOnlySequence<byte> buffer, PipeWriter? upstream, out SequencePosition consumed)
    {
        long take = Math.Min(buffer.Length, _bodyRemaining);
        var body = buffer.Slice(0, take);
        if (upstream is not null && take > 0)
        {
            var writer = new BufferWriter<PipeWriter>(upstream);
            writer.Write(body);
            writer.Commit();
        }

        _bodyRemaining -= take;
        consumed = body.End;
        return _bodyRemaining == 0 ? BodyOutcome.Complete : null;
    }

    private BodyOutcome? ConsumeChunked(in ReadOnlySequence<byte> buffer, PipeWriter? upstream, long limit, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        BodyOutcome? outcome = null;
        var writer = upstream is null ? default : new BufferWriter<PipeWriter>(upstream);
        while (true)
        {
            var status = _chunked.Read(ref reader, out var data, out _);
            if (status == ChunkedStatus.Data)
            {
                _bodyTotal += data.Length;
                if (_bodyTotal > limit)
                {
                    outcome = BodyOutcome.TooLarge;
                    break;
                }

                if (upstream is not null)
                {
                    writer.WriteHex(data.Length);
                    writer.Write("\r\n"u8);
                    writer.Write(data);
                    writer.Write("\r\n"u8);
                }

                continue;
            }

            if (status == ChunkedStatus.Complete)
            {
                if (upstream is not null)
                {
                    writer.Write("0\r\n\r\n"u8);
                }

                outcome = BodyOutcome.Complete;
            }
            else if (status == ChunkedStatus.Error)
            {
                outcome = BodyOutcome.Invalid;
            }

            break;
        }

        if (upstream is not null)
        {
            writer.Commit();
        }

        consumed = reader.Position;
        return outcome;
    }

    /// <summary>Answers a request whose body could not be read to its end; the connection always closes.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> RespondToBodyFailureAsync(BodyOutcome outcome)
    {
        switch (outcome)
        {
            case BodyOutcome.TooLarge:
                await WriteGatewayResponseAsync(413, close: true).ConfigureAwait(false);
                break;
            case BodyOutcome.Invalid:
                await WriteGatewayResponseAsync(400, close: true).ConfigureAwait(false);
                break;
            case BodyOutcome.TimedOut:
                await WriteGatewayResponseAsync(408, close: true).ConfigureAwait(false);
                break;
            case BodyOutcome.UpstreamClosed:
                await WriteGatewayResponseAsync(502, close: true).ConfigureAwait(false);
                break;
            case BodyOutcome.UpstreamStalled:
                await WriteGatewayResponseAsync(504, close: true).ConfigureAwait(false);
                break;
        }

        return false;
    }
}
