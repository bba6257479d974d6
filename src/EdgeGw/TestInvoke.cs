using System.Globalization;
using System.Net.Http;
using System.Text;
using EdgeGw.Core.Configuration;
using EdgeGw.Core.Model;
using EdgeGw.Server.Diagnostics;
using EdgeGw.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGw;

/// <summary>
/// <c>edgegw test-invoke</c>: one request through the real pipeline, in this process, on a loopback listener of
/// its own (port 0, no admin API), and a print-out as AWS's console test gives: status, latency, body, headers
/// and the execution log of every step. The integration is really called; the state file is a copy (usage
/// counted by the test is not written back); throttles and quotas shared through Redis are the real ones.
/// </summary>
internal static class TestInvoke
{
    /// <summary>How long the request may take, end to end (the integration's own timeout is usually shorter).</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Largest response body printed; the rest is counted.</summary>
    private const int MaxPrintedBody = 64 * 1024;

    public const string Usage = """
        edgegw test-invoke [--config <file>] [--stage <stage>] <METHOD> <path> [-H 'Name: value' ...] [-d <body>|@<file>] [--<key>=<value> ...]
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (!TryParse(args, out var invocation, out string? error))
        {
            Console.Error.WriteLine($"edgegw test-invoke: {error}");
            Console.Error.WriteLine();
            Console.Error.WriteLine($"Usage:\n  {Usage.Trim()}");
            return 2;
        }

        string? path = invocation.ConfigPath ?? Environment.GetEnvironmentVariable("EDGEGW_CONFIG") ?? (File.Exists("edgegw.json") ? "edgegw.json" : null);
        if (path is not null && !File.Exists(path))
        {
            Console.Error.WriteLine($"edgegw test-invoke: config file not found: {path}");
            return 1;
        }

        var result = Cli.Load(path, invocation.Overrides);
        if (result.FileError is not null || result.Model is null)
        {
            Console.Error.WriteLine($"edgegw test-invoke: {result.FileError ?? $"{path ?? "embedded demo config"}: {result.Errors.Count} error(s)\n{result.Format()}"}");
            return 1;
        }

        string target = invocation.Path;
        if (invocation.Stage is { } stage)
        {
            if (!HasStage(result.Model, stage))
            {
                Console.Error.WriteLine($"edgegw test-invoke: no API has a stage named '{stage}'");
                return 1;
            }

            target = stage == "$default" ? target : $"/{stage}{target}";
        }

        // Usage counted by the test must not reach the real state file: the gateway gets a copy.
        string stateCopy = Path.Combine(Path.GetTempPath(), $"edgegw-test-invoke-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        if (File.Exists(result.Model.State.Path))
        {
            File.Copy(result.Model.State.Path, stateCopy);
        }

        var model = Cli.Load(path, [.. invocation.Overrides, $"--state:path={stateCopy}"]).Model!;
        var log = new ExecutionLog();
        Exchange exchange;
        try
        {
            await using var host = await GatewayHost.StartAsync(model, new GatewayHostOptions
            {
                InlineScheduling = InlineIo.Enabled,
                ListenOverride = [ListenEntry.Plain("http://127.0.0.1:0")],
                AdminListenOverride = [],
                // Only warnings and errors (an upstream that fails) beside the print-out, on stderr.
                MinimumLogLevel = LogLevel.Warning,
                ExecutionLog = log,
            }).ConfigureAwait(false);
            exchange = await SendAsync(host.Addresses[0], invocation, target, log).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(stateCopy);
        }

        // Printed once the host is gone, so the gateway's own (asynchronous) log lines are out before it.
        Console.WriteLine($"Request: {invocation.Method} {target}");
        if (exchange.Error is not null)
        {
            Console.WriteLine($"No response: {exchange.Error}");
            PrintLog(log, invocation, status: null);
            return 1;
        }

        Console.WriteLine($"Status: {exchange.Status}");
        // The gateway's time for the request, as AWS reports it (the first request of a process includes JIT compilation).
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Latency: {log.Latency.TotalMilliseconds:0} ms"));
        Console.WriteLine("Response Body");
        var body = exchange.Body;
        Console.WriteLine(body.Length <= MaxPrintedBody
            ? Encoding.UTF8.GetString(body)
            : $"{Encoding.UTF8.GetString(body, 0, MaxPrintedBody)}\n[TRUNCATED: {body.Length - MaxPrintedBody} more byte(s)]");
        Console.WriteLine("Response Headers");
        Console.WriteLine(exchange.Headers);
        PrintLog(log, invocation, exchange.Status);
        return 0;
    }

    /// <summary>What came back: a status, headers and body, or why nothing did.</summary>
    private sealed record Exchange(int Status, string Headers, byte[] Body, string? Error);

    private static async Task<Exchange> SendAsync(Uri address, Invocation invocation, string target, ExecutionLog log)
    {
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = System.Net.DecompressionMethods.None, UseProxy = false };
        using var client = new HttpClient(handler) { Timeout = RequestTimeout };
        using var request = new HttpRequestMessage(new HttpMethod(invocation.Method), new Uri(address, target));
        request.Headers.ConnectionClose = true;
        if (invocation.Body is { } body)
        {
            request.Content = new ByteArrayContent(body);
        }

        foreach (var (name, value) in invocation.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
            }
            else if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            byte[] responseBody = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            // The last step's lines are written after the response's bytes: wait for the request to end.
            await log.Completed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return new Exchange((int)response.StatusCode, FormatHeaders(response), responseBody, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new Exchange(0, "", [], e.Message);
        }
    }

    private static void PrintLog(ExecutionLog log, Invocation invocation, int? status)
    {
        Console.WriteLine("Logs");
        var lines = log.Lines;
        // The method request body is the CLI's to show: the gateway streams it without a copy.
        int insertAt = lines.Count;
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Contains(" : Method request headers: ", StringComparison.Ordinal))
            {
                insertAt = i + 1;
                break;
            }
        }

        for (int i = 0; i < lines.Count; i++)
        {
            Console.WriteLine(lines[i]);
            if (i + 1 == insertAt)
            {
                string stamp = lines[i][..lines[i].IndexOf(" : ", StringComparison.Ordinal)];
                Console.WriteLine($"{stamp} : Method request body before transformations: {(invocation.Body is { } b ? ExecutionLog.Body(b) : "(none)")}");
            }
        }

        if (status is { } code)
        {
            Console.WriteLine($"{(lines.Count > 0 ? lines[^1][..lines[^1].IndexOf(" : ", StringComparison.Ordinal)] : "")} : Method completed with status: {code}");
        }
    }

    private static string FormatHeaders(HttpResponseMessage response)
    {
        var text = new StringBuilder("{");
        bool first = true;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            text.Append(first ? "" : ", ").Append(header.Key).Append('=').Append(string.Join(",", header.Value));
            first = false;
        }

        return text.Append('}').ToString();
    }

    private static bool HasStage(GatewayModel model, string stage)
    {
        foreach (var deployed in model.Stages)
        {
            if (deployed.Stage == stage)
            {
                return true;
            }
        }

        return false;
    }

    internal sealed record Invocation(string Method, string Path, string? ConfigPath, string? Stage,
        List<(string Name, string Value)> Headers, byte[]? Body, string[] Overrides);

    internal static bool TryParse(string[] args, out Invocation invocation, out string? error)
    {
        invocation = null!;
        error = null;
        string? config = null, stage = null;
        byte[]? body = null;
        var headers = new List<(string, string)>();
        var positional = new List<string>();
        var overrides = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            bool hasValue = i + 1 < args.Length;
            switch (arg)
            {
                case "--config" or "--stage" or "-H" or "--header" or "-d" or "--data" when !hasValue:
                    error = $"{arg} needs a value";
                    return false;
                case "--config":
                    config = args[++i];
                    break;
                case "--stage":
                    stage = args[++i];
                    break;
                case "-H" or "--header":
                    string header = args[++i];
                    int colon = header.IndexOf(':', StringComparison.Ordinal);
                    if (colon <= 0)
                    {
                        error = $"-H '{header}': expected 'Name: value'";
                        return false;
                    }

                    headers.Add((header[..colon].Trim(), header[(colon + 1)..].Trim()));
                    break;
                case "-d" or "--data":
                    string data = args[++i];
                    if (data.StartsWith('@'))
                    {
                        if (!File.Exists(data[1..]))
                        {
                            error = $"-d {data}: file not found";
                            return false;
                        }

                        body = File.ReadAllBytes(data[1..]);
                    }
                    else
                    {
                        body = Encoding.UTF8.GetBytes(data);
                    }

                    break;
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) > 2)
                    {
                        overrides.Add(arg);
                    }
                    else if (arg.StartsWith('-') && arg.Length > 1)
                    {
                        error = $"unknown option '{arg}'";
                        return false;
                    }
                    else
                    {
                        positional.Add(arg);
                    }

                    break;
            }
        }

        if (positional.Count != 2)
        {
            error = positional.Count < 2 ? "expected <METHOD> <path>" : $"unexpected argument '{positional[2]}'";
            return false;
        }

        string method = positional[0].ToUpperInvariant();
        foreach (char c in method)
        {
            if (c is < 'A' or > 'Z')
            {
                error = $"'{positional[0]}' is not an HTTP method";
                return false;
            }
        }

        string path = positional[1];
        if (!path.StartsWith('/'))
        {
            error = $"the path must start with '/': '{path}'";
            return false;
        }

        invocation = new Invocation(method, path, config, stage, headers, body, [.. overrides]);
        return true;
    }
}
