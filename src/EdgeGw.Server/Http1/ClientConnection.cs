using System.IO.Pipelines;
using System.Net;
using System.Text;
using EdgeGw.Core.Infrastructure;
using Microsoft.AspNetCore.Connections;

namespace EdgeGw.Server.Http1;

/// <summary>
/// The transport side of one client connection, shared by its steps: the pipes, the read/flush deadline, the
/// peer address and whether a graceful shutdown asked it to close. Nothing per request lives here.
/// </summary>
internal sealed class ClientConnection : IDisposable
{
    private volatile bool _closeRequested;
    private IoDeadline? _sendDeadline;

    public ClientConnection(ConnectionContext context, GatewayRuntime runtime)
    {
        Context = context;
        Runtime = runtime;
        ExecutionLog = runtime.ExecutionLog;
        Input = context.Transport.Input;
        Output = context.Transport.Output;
        Deadline = new IoDeadline(runtime.Time);
        Deadline.Attach(Input);
        Address = FormatAddress(context.RemoteEndPoint);
        var tls = context.Features.Get<Tls.TlsConnectionFeature>();
        IsHttps = tls is not null;
        ClientCertificateHeaders = tls?.ClientCertificateHeaders;
        ClientCertificate = tls?.ClientCertificate;
    }

    public ConnectionContext Context { get; }
    public GatewayRuntime Runtime { get; }

    /// <summary>test-invoke's execution log (null when serving: the steps then write nothing).</summary>
    public Diagnostics.ExecutionLog? ExecutionLog { get; }
    public PipeReader Input { get; }
    public PipeWriter Output { get; }
    /// <summary>Bounds each read of <see cref="Input"/> (idle keep-alive, head, body) by cancelling it when it fires.</summary>
    public IoDeadline Deadline { get; }
    /// <summary>The client's IP address as ASCII (IPv4-mapped addresses as IPv4), for X-Forwarded-For and client-IP throttles.</summary>
    public byte[] Address { get; }
    /// <summary>The connection came in on an https listener (TLS terminated here): X-Forwarded-Proto says https.</summary>
    public bool IsHttps { get; }
    /// <summary>A mutual TLS domain's verified client certificate as header lines for the backend; null without one.</summary>
    public byte[]? ClientCertificateHeaders { get; }

    /// <summary>The verified client certificate as <c>$context.identity.clientCert.*</c> values; null without one.</summary>
    public EdgeGw.Core.Tls.ClientCertificateIdentity? ClientCertificate { get; }

    /// <summary>
    /// Bounds a flush of <see cref="Output"/> that has to wait for the client (the send timeout). Created on the
    /// first such flush: a connection whose client keeps up never pays for its timer.
    /// </summary>
    public IoDeadline SendDeadline
    {
        get
        {
            if (_sendDeadline is null)
            {
                _sendDeadline = new IoDeadline(Runtime.Time);
                _sendDeadline.AttachWriter(Output);
            }

            return _sendDeadline;
        }
    }

    /// <summary>The connection ended: its timers go.</summary>
    public void Dispose()
    {
        Deadline.Dispose();
        _sendDeadline?.Dispose();
    }

    /// <summary>Graceful shutdown asked for: finish the request in flight, then close.</summary>
    public bool CloseRequested => _closeRequested;

    public void RequestClose()
    {
        _closeRequested = true;
        Input.CancelPendingRead();
    }

    /// <summary>Cuts the connection: the only honest signal left once a response head is out and its body failed.</summary>
    public void Abort() => Context.Abort();

    private static byte[] FormatAddress(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => Encoding.ASCII.GetBytes((ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString()),
        null => "unknown"u8.ToArray(),
        _ => Encoding.ASCII.GetBytes(endPoint.ToString() ?? "unknown"),
    };
}
