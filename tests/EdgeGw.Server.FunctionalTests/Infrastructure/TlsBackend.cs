using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>
/// A real HTTPS backend (Kestrel with UseHttps, not the gateway) on a loopback port. Answers every path with
/// <c>tls path=&lt;path&gt; sni=&lt;SNI name&gt; client=&lt;client certificate subject or none&gt;</c>, and
/// <c>/health</c> with 200. Counts completed TLS handshakes and health requests.
/// </summary>
public sealed class TlsBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _handshakes;
    private int _healthRequests;

    private TlsBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }
    public int Handshakes => Volatile.Read(ref _handshakes);
    public int HealthRequests => Volatile.Read(ref _healthRequests);

    /// <param name="clientCa">When set, a client certificate signed by it is required.</param>
    public static async Task<TlsBackend> StartAsync(X509Certificate2 certificate, X509Certificate2? clientCa = null)
    {
        TlsBackend? backend = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Critical);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            // The selector sees the client's SNI name (null without one); the connection keeps it for the answer.
            ServerCertificateSelector = (connection, name) =>
            {
                connection!.Items["sni"] = name;
                return certificate;
            },
            ClientCertificateMode = clientCa is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = clientCa is null ? null : (cert, _, _) => VerifiedBy(cert, clientCa),
            OnAuthenticate = (_, _) => Interlocked.Increment(ref backend!._handshakes),
        })));
        var app = builder.Build();
        app.Run(async context =>
        {
            if (context.Request.Path == "/health")
            {
                Interlocked.Increment(ref backend!._healthRequests);
                await context.Response.WriteAsync("healthy");
                return;
            }

            string sni = context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue("sni", out var value) == true && value is string { Length: > 0 } name ? name : "none";
            string client = context.Connection.ClientCertificate?.GetNameInfo(X509NameType.SimpleName, false) ?? "none";
            await context.Response.WriteAsync($"tls path={context.Request.Path} sni={sni} client={client}");
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        backend = new TlsBackend(app, address.Port);
        return backend;
    }

    private static bool VerifiedBy(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
