using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EdgeGw.Core.Tls;
using Microsoft.AspNetCore.Connections;

namespace EdgeGw.Server.Tls;

/// <summary>
/// TLS termination on an https listener, as Kestrel connection middleware (so it runs on both transports: it
/// only wraps <see cref="ConnectionContext.Transport"/>). Per connection: look at the first byte (a plain HTTP
/// request is answered 400 and closed, other garbage closed), handshake with the certificate the SNI selects
/// under the handshake timeout and a size bound, then hand the decrypted pipe to the HTTP loop. Every failure
/// closes the connection, is counted by reason and logged (rate-limited); the listener goes on.
/// </summary>
internal sealed class TlsHandshake
{
    /// <summary>
    /// Bytes a client may send before its handshake completes. A ClientHello is a few hundred bytes (up to a
    /// couple of KiB with post-quantum key shares); TLS allows 16 KiB records and the hello may span several.
    /// 64 KiB is nginx's order (its client_header_buffer for the hello) and stops a client streaming handshake bytes.
    /// </summary>
    internal const int MaxHandshakeBytes = 64 * 1024;

    private const byte HandshakeRecord = 0x16;
    private const int MaxPlaintextRecord = 16 * 1024;

    private static readonly ServerOptionsSelectionCallback SelectOptions = static (_, hello, state, _) => ((Attempt)state!).Select(hello.ServerName);

    // nginx's answer to the same mistake, as JSON like the gateway's other errors.
    private static readonly byte[] PlainHttpResponse =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 59\r\nConnection: close\r\n\r\n{\"message\":\"The plain HTTP request was sent to HTTPS port\"}"u8.ToArray();

    private readonly ConnectionDelegate _next;
    private readonly GatewayRuntime _runtime;

    public TlsHandshake(ConnectionDelegate next, GatewayRuntime runtime)
    {
        _next = next;
        _runtime = runtime;
    }

    public async Task OnConnectionAsync(ConnectionContext context)
    {
        var tls = _runtime.Tls;
        if (tls.Options is not { } options)
        {
            return; // no server.tls (validation requires it for an https listener): nothing to answer with
        }

        var transport = context.Transport;
        var stream = new TransportStream(transport, MaxHandshakeBytes);
        var ssl = new GatewaySslStream(stream);
        var attempt = new Attempt(options);
        TlsFailure? failure = null;
        string detail = "";
        using (var timeout = new CancellationTokenSource(options.Settings.HandshakeTimeout, _runtime.Time))
        {
            try
            {
                var first = await FirstByteAsync(transport, timeout.Token).ConfigureAwait(false);
                if (first != HandshakeRecord)
                {
                    failure = first < 0 ? TlsFailure.Other : TlsFailure.NotTls;
                    detail = first < 0 ? "closed before sending anything" : first is >= 'A' and <= 'Z' ? "a plain HTTP request" : $"first byte 0x{first:x2} is no TLS handshake record";
                    if (first is >= 'A' and <= 'Z')
                    {
                        await AnswerPlainHttpAsync(transport).ConfigureAwait(false);
                    }
                }
                else if (await FirstRecordLengthAsync(transport, timeout.Token).ConfigureAwait(false) is > MaxPlaintextRecord and var length)
                {
                    // RFC 8446 5.1: a plaintext record is at most 2^14 bytes. SslStream would wait for all of it.
                    (failure, detail) = (TlsFailure.Protocol, $"a first record of {length} bytes (TLS allows {MaxPlaintextRecord})");
                }
                else
                {
                    await ssl.AuthenticateAsServerAsync(SelectOptions, attempt, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                (failure, detail) = Classify(e, timeout.IsCancellationRequested, attempt, stream, options.Settings.HandshakeTimeout, ssl);
            }
        }

        if (failure is { } reason)
        {
            tls.Failed(reason, Peer(context.RemoteEndPoint), detail);
            await ssl.DisposeAsync().ConfigureAwait(false);
            return;
        }

        tls.Succeeded();
        stream.HandshakeDone();
        if (options.Settings.ReleaseBuffers && !OpenSslBuffers.TryRelease(ssl))
        {
            tls.OpenSslControlUnavailable("releaseBuffers", "idle TLS connections keep OpenSSL's record buffers");
        }

        if (options.Settings.TicketKeyRotation > TimeSpan.Zero
            && !TicketKeyRotation.Check(ssl, _runtime.Time.GetTimestamp(), (long)(options.Settings.TicketKeyRotation.TotalSeconds * _runtime.Time.TimestampFrequency)))
        {
            tls.OpenSslControlUnavailable("ticketKeyRotationSeconds", "session-ticket keys are OpenSSL's own for each context's life");
        }

        var pipe = new TlsPipe(ssl, transport);
        context.Transport = pipe;
        byte[]? clientCertificate = null;
        ClientCertificateIdentity? identity = null;
        if (attempt.MutualTls is { } policy && ssl.ClientCertificateVerified && ssl.RemoteCertificate is X509Certificate2 verified)
        {
            clientCertificate = ClientCertificateHeaders.Build(verified, policy);
            identity = ClientCertificateIdentity.From(verified);
        }

        context.Features.Set(new TlsConnectionFeature(ssl, attempt.Pair!, attempt.ServerName, clientCertificate, identity));
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        finally
        {
            // Whatever the HTTP loop left unflushed goes out (or fails with the connection), then the session ends.
            try
            {
                await pipe.Output.CompleteAsync().ConfigureAwait(false);
                await pipe.StopReadingAsync().ConfigureAwait(false);
                // close_notify, as nginx sends: OpenSSL 3 clients report a close without it as "unexpected eof".
                await ssl.ShutdownAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or ConnectionAbortedException or ConnectionResetException or InvalidOperationException)
            {
            }

            await ssl.DisposeAsync().ConfigureAwait(false);
            context.Transport = transport;
        }
    }

    /// <summary>The first byte the client sent, without consuming it; -1 when it closed first.</summary>
    private static async ValueTask<int> FirstByteAsync(IDuplexPipe transport, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await transport.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!result.Buffer.IsEmpty)
            {
                int first = result.Buffer.FirstSpan[0];
                transport.Input.AdvanceTo(result.Buffer.Start);
                return first;
            }

            transport.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return -1;
            }
        }
    }

    /// <summary>The length field of the first record header, without consuming it; 0 when the client closed before 5 bytes.</summary>
    private static async ValueTask<int> FirstRecordLengthAsync(IDuplexPipe transport, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await transport.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= 5)
            {
                Span<byte> header = stackalloc byte[5];
                buffer.Slice(0, 5).CopyTo(header);
                transport.Input.AdvanceTo(buffer.Start);
                return (header[3] << 8) | header[4];
            }

            transport.Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return 0;
            }
        }
    }

    private static async ValueTask AnswerPlainHttpAsync(IDuplexPipe transport)
    {
        // Whatever part of the request is buffered is consumed, so the close is a FIN rather than a reset.
        if (transport.Input.TryRead(out var rest))
        {
            transport.Input.AdvanceTo(rest.Buffer.End);
        }

        await transport.Output.WriteAsync(PlainHttpResponse).ConfigureAwait(false);
    }

    private static (TlsFailure, string) Classify(Exception e, bool timedOut, Attempt attempt, TransportStream stream, TimeSpan timeout, GatewaySslStream ssl)
    {
        if (timedOut)
        {
            return (TlsFailure.Timeout, $"not completed within {timeout.TotalSeconds:0.#} s");
        }

        if (attempt.Refused)
        {
            return (TlsFailure.UnknownSni, $"no certificate for '{attempt.ServerName}' (server.tls.unknownSni is reject)");
        }

        if (attempt.MutualTls is { Mode: MutualTlsMode.Require } && ssl.ClientCertificateError.Length > 0)
        {
            return (TlsFailure.ClientCertificate, $"'{attempt.ServerName}' requires a client certificate: {ssl.ClientCertificateError}");
        }

        if (stream.HandshakeTooLarge)
        {
            return (TlsFailure.Protocol, $"the handshake exceeded {MaxHandshakeBytes / 1024} KiB");
        }

        // SslStream reports what OpenSSL refused (version, cipher, alert) as AuthenticationException and a malformed
        // or oversized record as IOException; a client that closed or reset mid-handshake is not a protocol error.
        if (e is AuthenticationException || (e is IOException && !stream.ClientClosed && e.InnerException is not (System.Net.Sockets.SocketException or ConnectionResetException)))
        {
            return (TlsFailure.Protocol, Innermost(e));
        }

        return (TlsFailure.Other, stream.ClientClosed ? "the client closed the connection mid-handshake" : Innermost(e));
    }

    private static string Innermost(Exception e)
    {
        string message = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            message = $"{message} ({inner.Message})";
        }

        return message;
    }

    private static string Peer(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString(),
        null => "unknown",
        _ => endPoint.ToString() ?? "unknown",
    };

    /// <summary>One handshake's SNI decision, kept for the metrics and the feature.</summary>
    private sealed class Attempt(TlsListenerOptions options)
    {
        public string? ServerName { get; private set; }
        public CertificatePair? Pair { get; private set; }
        public bool Refused { get; private set; }
        /// <summary>The mutual TLS policy of the domain the SNI named; null when none.</summary>
        public MutualTlsPolicy? MutualTls { get; private set; }

        public ValueTask<SslServerAuthenticationOptions> Select(string? serverName)
        {
            ServerName = serverName;
            var selected = options.Select(serverName, out var pair, out _, out var mutualTls);
            MutualTls = mutualTls;
            if (selected is null)
            {
                Refused = true;
                return ValueTask.FromException<SslServerAuthenticationOptions>(new AuthenticationException($"no certificate for '{serverName}'"));
            }

            Pair = pair;
            return new ValueTask<SslServerAuthenticationOptions>(selected);
        }
    }
}
