using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;

namespace EdgeGw.Benchmarks.Tls;

/// <summary>
/// What one TLS 1.3 application-data record costs through <see cref="SslStream"/> on this platform (OpenSSL under
/// .NET), against the AES-256-GCM it carries (<see cref="AesGcm"/>, the same OpenSSL EVP code): the per-record floor
/// any .NET gateway pays before its own work. One operation is a server write of <see cref="Size"/> bytes and the
/// client's read of it (encrypt + decrypt), the shape of a response on a kept-alive connection, over an in-memory
/// transport (two pipes), so no socket or scheduling cost is in the figure. ECDSA P-256, TLS 1.3
/// (TLS_AES_256_GCM_SHA384, the suite OpenSSL picks for the load tests' clients).
/// </summary>
[MemoryDiagnoser]
public class TlsRecordBenchmarks
{
    [Params(10, 1024, 16 * 1024)]
    public int Size { get; set; }

    private SslStream _server = null!;
    private SslStream _client = null!;
    private byte[] _payload = null!;
    private byte[] _received = null!;
    private AesGcm _aes = null!;
    private byte[] _nonce = null!;
    private byte[] _cipher = null!;
    private byte[] _tag = null!;
    private byte[] _plain = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=bench.test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("bench.test");
        request.CertificateExtensions.Add(san.Build());
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);

        var toClient = new Pipe();
        var toServer = new Pipe();
        _server = new SslStream(new PipeDuplex(toServer.Reader, toClient.Writer));
        _client = new SslStream(new PipeDuplex(toClient.Reader, toServer.Writer), false, (_, _, _, _) => true);
        var serverHandshake = _server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, null),
            EnabledSslProtocols = SslProtocols.Tls13,
        });
        var clientHandshake = _client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "bench.test",
            EnabledSslProtocols = SslProtocols.Tls13,
        });
        Task.WaitAll(serverHandshake, clientHandshake);

        _payload = new byte[Size];
        RandomNumberGenerator.Fill(_payload);
        _received = new byte[Size + 1024];
        // The client reads the server's session tickets with its first read: done here, outside the measurement.
        TlsRecord();

        _aes = new AesGcm(RandomNumberGenerator.GetBytes(32), 16);
        _nonce = new byte[12];
        _cipher = new byte[Size];
        _tag = new byte[16];
        _plain = new byte[Size];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server.Dispose();
        _client.Dispose();
        _aes.Dispose();
    }

    /// <summary>A record through SslStream: server encrypts and writes, client reads and decrypts.</summary>
    [Benchmark]
    public int TlsRecord()
    {
        _server.Write(_payload);
        int read = 0;
        while (read < Size)
        {
            read += _client.Read(_received, read, _received.Length - read);
        }

        return read;
    }

    /// <summary>The cipher alone: AES-256-GCM encrypt and decrypt of the same bytes (nonce bumped as TLS does).</summary>
    [Benchmark(Baseline = true)]
    public int AesGcmAlone()
    {
        _nonce[11]++;
        _aes.Encrypt(_nonce, _payload, _cipher, _tag);
        _aes.Decrypt(_nonce, _cipher, _tag, _plain);
        return _plain.Length;
    }

    /// <summary>A stream over two pipes: reads complete at once when bytes are there, writes flush at once.</summary>
    private sealed class PipeDuplex(PipeReader input, PipeWriter output) : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var result = input.ReadAsync().AsTask().GetAwaiter().GetResult();
            int n = (int)Math.Min(result.Buffer.Length, buffer.Length);
            System.Buffers.BuffersExtensions.CopyTo(result.Buffer.Slice(0, n), buffer);
            input.AdvanceTo(result.Buffer.GetPosition(n));
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            int n = (int)Math.Min(result.Buffer.Length, buffer.Length);
            System.Buffers.BuffersExtensions.CopyTo(result.Buffer.Slice(0, n), buffer.Span);
            input.AdvanceTo(result.Buffer.GetPosition(n));
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            System.Buffers.BuffersExtensions.Write(output, buffer);
            output.FlushAsync().AsTask().GetAwaiter().GetResult();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            await output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
