using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using EdgeGw.Core.Tracing;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Tracing;

namespace EdgeGw.Server.FunctionalTests.Tracing;

/// <summary>The trace-context step on a parsed head: the decisions, and no allocation for an unsampled request.</summary>
public sealed class TraceStepTests
{
    private static readonly TracingSettings Ratio0 = new(0, new Uri("http://127.0.0.1:4318/v1/traces"), "edgegw", 16, 16, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 0);
    private static readonly TracingSettings Ratio1 = new(1, new Uri("http://127.0.0.1:4318/v1/traces"), "edgegw", 16, 16, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 0);

    private static async Task<ClientRequest> ParsedAsync(string headers)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes($"GET /prod/x HTTP/1.1\r\nHost: a\r\n{headers}\r\n"));
        var read = await pipe.Reader.ReadAsync();
        var request = new ClientRequest(pipe.Reader, "127.0.0.1"u8.ToArray());
        var buffer = read.Buffer;
        Assert.Equal(HeadScanStatus.Complete, request.Reader.Read(buffer, new HeadLimits(8192, 32768, 100), out _));
        Assert.Equal(HttpParseError.None, request.Parse(100));
        return request;
    }

    [Fact]
    public async Task UnsampledParent_KeepsItsTrace_NewSpanIds_NoSpanData()
    {
        var request = await ParsedAsync("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00\r\ntracestate: a=1\r\n");

        TraceStep.Begin(request, Ratio1, TimeProvider.System);

        ref var trace = ref request.Record.Trace;
        Assert.True(trace.Active && trace.HasParent && trace.KeepTraceState);
        Assert.False(trace.Sampled); // the parent's flag wins over ratio 1
        Assert.Equal(0x4bf92f3577b34da6UL, trace.TraceIdHigh);
        Assert.Equal(0x00f067aa0ba902b7UL, trace.ParentSpanId);
        Assert.NotEqual(trace.SpanId, trace.IntegrationSpanId);
        Assert.Null(trace.Span);
    }

    [Fact]
    public async Task TwoTraceparents_AreNoParent_AndTheTracestateGoes()
    {
        var request = await ParsedAsync("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\ntracestate: a=1\r\n");

        TraceStep.Begin(request, Ratio1, TimeProvider.System);

        ref var trace = ref request.Record.Trace;
        Assert.False(trace.HasParent);
        Assert.False(trace.KeepTraceState);
        Assert.NotEqual(0x4bf92f3577b34da6UL, trace.TraceIdHigh);
        Assert.True(trace.Sampled);
        Assert.Equal("/prod/x", Encoding.ASCII.GetString(trace.Span!.Path));
    }

    [Fact]
    public async Task SampledParent_InvalidTracestate_IsDropped_TheParentKept()
    {
        var request = await ParsedAsync("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\ntracestate: a=1\r\ntracestate: B=2\r\n");

        TraceStep.Begin(request, Ratio0, TimeProvider.System);

        Assert.True(request.Record.Trace.HasParent);
        Assert.True(request.Record.Trace.Sampled);
        Assert.False(request.Record.Trace.KeepTraceState);
        Assert.Null(request.Record.Trace.Span!.TraceState);
    }

    [Theory]
    [InlineData("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00\r\ntracestate: rojo=1,congo=2\r\n")]
    [InlineData("")]
    [InlineData("traceparent: garbage\r\n")]
    public async Task Unsampled_AllocatesNothing(string headers)
    {
        var request = await ParsedAsync(headers);
        var traceparent = new byte[TraceParent.Length];
        for (int i = 0; i < 100; i++)
        {
            request.Record.Trace = default;
            TraceStep.Begin(request, Ratio0, TimeProvider.System);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            request.Record.Trace = default;
            TraceStep.Begin(request, Ratio0, TimeProvider.System);
            ref var trace = ref request.Record.Trace;
            TraceParent.Write(traceparent, trace.TraceIdHigh, trace.TraceIdLow, trace.IntegrationSpanId, trace.Sampled);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.False(request.Record.Trace.Sampled);
    }
}
