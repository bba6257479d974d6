using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EdgeGw.Core.Model;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Integrations;

/// <summary>The mock integration: the route's fixed status, headers and body, after the request body is read and discarded.</summary>
internal sealed class MockIntegration
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly RequestBodyReader _body;

    public MockIntegration(ClientConnection connection, ClientRequest request, ClientResponder responder, RequestBodyReader body)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
        _body = body;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ServeAsync(RouteModel route, MockIntegrationModel mock)
    {
        _request.ConsumeHead();
        if (_request.HasBody)
        {
            var drained = await _body.DrainAsync(route.MaxBodyBytes).ConfigureAwait(false);
            if (drained != BodyOutcome.Complete)
            {
                return await _responder.BodyFailureAsync(drained).ConfigureAwait(false);
            }
        }

        _connection.ExecutionLog?.Write($"Mock integration: status {mock.StatusCode}, {mock.Body.Length} byte(s) of body");
        Write(mock);
        return await _responder.EndResponseAsync().ConfigureAwait(false);
    }

    private void Write(MockIntegrationModel mock)
    {
        _request.Record.Status = mock.StatusCode;
        _request.Record.ResponseLength = _request.IsHead ? 0 : mock.Body.Length;
        var writer = new BufferWriter<PipeWriter>(_responder.Output);
        writer.Write(StatusLines.For(mock.StatusCode));
        writer.Write(_connection.Runtime.Date.Line);
        ReadOnlySpan<byte> body = mock.Body;
        if (_request.Compression is { } compression)
        {
            // The route compresses: a compressed copy of the body (made once) with its length and coding, or Vary only.
            body = compression.WriteMockHeaders(ref writer, mock);
        }
        else
        {
            writer.Write("Content-Length: "u8);
            writer.WriteNumber(mock.Body.Length);
            writer.Write("\r\n"u8);
            foreach (var header in mock.Headers)
            {
                writer.WriteHeader(header.Name, header.Value);
            }
        }

        _responder.WriteCommonHeaders(ref writer);
        writer.Write("\r\n"u8);
        if (!_request.IsHead)
        {
            writer.Write(body);
        }

        writer.Commit();
    }
}
