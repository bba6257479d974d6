using System.Diagnostics;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Cluster;

/// <summary>A fact that needs redis-server and python3 with boto3 (Debian python3-boto3, installed by .ci/run).</summary>
public sealed class Boto3FactAttribute : FactAttribute
{
    public Boto3FactAttribute()
    {
        if (RedisServer.Executable is null)
        {
            Skip = RedisServer.MissingMessage;
        }
        else if (!AwsManagementClients.Boto3Available)
        {
            Skip = "python3 with boto3 is not installed (.ci/run installs python3-boto3 with apt-get)";
        }
    }
}

/// <summary>A fact that needs redis-server and the AWS CLI (<c>aws</c>, v1 or v2; Debian awscli, installed by .ci/run).</summary>
public sealed class AwsCliFactAttribute : FactAttribute
{
    public AwsCliFactAttribute()
    {
        if (RedisServer.Executable is null)
        {
            Skip = RedisServer.MissingMessage;
        }
        else if (AwsManagementClients.AwsCliVersion is null)
        {
            Skip = "the AWS CLI (aws) is not installed (.ci/run installs awscli with apt-get)";
        }
    }
}

/// <summary>The result of one call made by a real AWS client: its HTTP status, AWS error code (raised as the client's modelled GoneException when <paramref name="Modelled"/>), and output.</summary>
public sealed record AwsCall(int Status, string? Error, bool Modelled, JsonElement Output);

/// <summary>
/// The real AWS clients of the API Gateway Management API, run as processes against the admin API: boto3's
/// <c>apigatewaymanagementapi</c> client and the AWS CLI. Dummy credentials; no profile or config file is read.
/// </summary>
public static class AwsManagementClients
{
    // Reads a list of calls on stdin ({op, url, id, data}) and prints one result per call.
    private const string Script = """
        import json, sys
        import boto3, botocore.config, botocore.exceptions
        out = []
        for a in json.load(sys.stdin):
            c = boto3.client('apigatewaymanagementapi', endpoint_url=a['url'], region_name='us-east-1',
                             aws_access_key_id='x', aws_secret_access_key='x',
                             config=botocore.config.Config(retries={'max_attempts': 1, 'mode': 'standard'}))
            try:
                if a['op'] == 'post':
                    r = c.post_to_connection(ConnectionId=a['id'], Data=a['data'].encode())
                    out.append({'status': r['ResponseMetadata']['HTTPStatusCode'], 'output': {}})
                elif a['op'] == 'get':
                    r = c.get_connection(ConnectionId=a['id'])
                    out.append({'status': r['ResponseMetadata']['HTTPStatusCode'], 'output': {
                        'connectedAt': r['ConnectedAt'].isoformat(), 'lastActiveAt': r['LastActiveAt'].isoformat(),
                        'sourceIp': r['Identity']['SourceIp'], 'userAgent': r['Identity']['UserAgent']}})
                else:
                    r = c.delete_connection(ConnectionId=a['id'])
                    out.append({'status': r['ResponseMetadata']['HTTPStatusCode'], 'output': {}})
            except c.exceptions.GoneException as e:
                out.append({'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'error': e.response['Error']['Code'], 'modelled': True, 'output': {'message': e.response['Error']['Message']}})
            except botocore.exceptions.ClientError as e:
                out.append({'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'error': e.response['Error']['Code'], 'output': {'message': e.response['Error']['Message']}})
        print(json.dumps(out))
        """;

    public static bool Boto3Available { get; } = Run("python3", ["-c", "import boto3"]) is (0, _, _);

    /// <summary>The CLI's major version ("1" or "2"), or null when <c>aws</c> is not installed.</summary>
    public static string? AwsCliVersion { get; } = Run("aws", ["--version"]) is (0, var stdout, var stderr)
        && (stdout + stderr).Trim() is { } text && text.StartsWith("aws-cli/", StringComparison.Ordinal) ? text[8..9] : null;

    private static (int ExitCode, string Stdout, string Stderr)? Run(string file, string[] args)
    {
        try
        {
            using var process = Process.Start(Start(file, args));
            if (process is null)
            {
                return null;
            }

            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                return null;
            }

            return (process.ExitCode, stdout.Result, stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static ProcessStartInfo Start(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        // Nothing of the machine's own AWS setup: dummy credentials, no profile, no instance metadata.
        start.Environment["AWS_ACCESS_KEY_ID"] = "x";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "x";
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = "/nonexistent/edgegw-aws-config";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/edgegw-aws-credentials";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        start.Environment["AWS_PAGER"] = "";
        start.Environment.Remove("AWS_PROFILE");
        start.Environment.Remove("AWS_SESSION_TOKEN");
        return start;
    }

    /// <summary>One boto3 call: <paramref name="op"/> is post, get or delete.</summary>
    public static (string Op, string Url, string Id, string Data) Call(string op, string url, string id, string data = "") => (op, url, id, data);

    /// <summary>Runs the calls in order in one python3 process (boto3 takes a while to import).</summary>
    public static async Task<IReadOnlyList<AwsCall>> Boto3Async(params (string Op, string Url, string Id, string Data)[] calls)
    {
        string input = JsonSerializer.Serialize(calls.Select(c => new { op = c.Op, url = c.Url, id = c.Id, data = c.Data }));
        var (exit, stdout, stderr) = await RunAsync("python3", ["-c", Script], input);
        Assert.True(exit == 0, "boto3 failed: " + stderr);
        using var json = JsonDocument.Parse(stdout);
        return json.RootElement.EnumerateArray().Select(r => new AwsCall(
            r.GetProperty("status").GetInt32(),
            r.TryGetProperty("error", out var error) ? error.GetString() : null,
            r.TryGetProperty("modelled", out _),
            r.GetProperty("output").Clone())).ToArray();
    }

    /// <summary>
    /// <c>aws apigatewaymanagementapi {command} --endpoint-url {url} --connection-id {id} [--data]</c>: exit code,
    /// stdout and stderr. v2 reads blobs as base64 unless told otherwise, so it is told.
    /// </summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> CliAsync(string command, string url, string id, string? data = null)
    {
        var args = new List<string> { "apigatewaymanagementapi", command, "--endpoint-url", url, "--connection-id", id };
        if (data is not null)
        {
            args.AddRange(["--data", data]);
            if (AwsCliVersion == "2")
            {
                args.AddRange(["--cli-binary-format", "raw-in-base64-out"]);
            }
        }

        return RunAsync("aws", [.. args], "");
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, string[] args, string input)
    {
        using var process = Process.Start(Start(file, args))!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        string stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, stdout, await stderr);
    }
}
