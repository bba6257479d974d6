using System.Diagnostics;
using System.Text.Json;

namespace EdgeGw.Server.FunctionalTests.Iam;

/// <summary>A fact that needs python3 with botocore (Debian python3-botocore, installed by .ci/run); skipped with a message where it is missing.</summary>
public sealed class BotocoreFactAttribute : FactAttribute
{
    public BotocoreFactAttribute()
    {
        if (!Botocore.Available)
        {
            Skip = "python3 with botocore is not installed (.ci/run installs python3-botocore with apt-get)";
        }
    }
}

/// <summary>A signed request as botocore made it: the URL (with the presigned query) and the headers to send.</summary>
public sealed record SignedRequest(string Url, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public string Target => new Uri(Url).PathAndQuery;
}

/// <summary>Signs requests with botocore's SigV4Auth / SigV4QueryAuth (an implementation that is not ours), bounded in time.</summary>
public static class Botocore
{
    // Reads the request to sign as JSON on stdin and prints the prepared URL and headers. "offset" shifts the signing
    // clock (a stale or future date) and "at" fixes it (Unix seconds); botocore reads it through botocore.auth.get_current_datetime.
    private const string Script = """
        import datetime, json, sys
        import botocore.auth
        from botocore.auth import SigV4Auth, SigV4QueryAuth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        a = json.load(sys.stdin)
        if a.get("at"):
            fixed = datetime.datetime.fromtimestamp(a["at"], datetime.timezone.utc).replace(tzinfo=None)
            botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed
        elif a.get("offset"):
            now = botocore.auth.get_current_datetime() + datetime.timedelta(seconds=a["offset"])
            botocore.auth.get_current_datetime = lambda: now
        creds = Credentials(a["key"], a["secret"], a.get("token"))
        req = AWSRequest(method=a["method"], url=a["url"], data=a.get("body", "").encode(), headers=a.get("headers", {}))
        if a.get("presign"):
            SigV4QueryAuth(creds, a["service"], a["region"], expires=a.get("expires", 300)).add_auth(req)
        else:
            SigV4Auth(creds, a["service"], a["region"]).add_auth(req)
        p = req.prepare()
        print(json.dumps({"url": p.url, "headers": list(p.headers.items())}))
        """;

    public static bool Available { get; } = Probe();

    private static bool Probe()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("python3", ["-c", "import botocore.auth"]) { RedirectStandardError = true, RedirectStandardOutput = true });
            if (process is null || !process.WaitForExit(20_000))
            {
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public static async Task<SignedRequest> SignAsync(
        string method, string url, string key, string secret, string region = "us-east-1", string service = "execute-api", string body = "",
        IReadOnlyDictionary<string, string>? headers = null, bool presign = false, string? token = null, int offsetSeconds = 0, long? atUnixSeconds = null)
    {
        string input = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["method"] = method, ["url"] = url, ["key"] = key, ["secret"] = secret, ["region"] = region, ["service"] = service,
            ["body"] = body, ["headers"] = headers ?? new Dictionary<string, string>(), ["presign"] = presign, ["token"] = token, ["offset"] = offsetSeconds, ["at"] = atUnixSeconds,
        });
        var start = new ProcessStartInfo("python3", ["-c", Script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        string output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, "botocore failed: " + await errors);
        using var json = JsonDocument.Parse(output);
        var list = new List<KeyValuePair<string, string>>();
        foreach (var pair in json.RootElement.GetProperty("headers").EnumerateArray())
        {
            list.Add(new(pair[0].GetString()!, pair[1].GetString()!));
        }

        return new SignedRequest(json.RootElement.GetProperty("url").GetString()!, list);
    }
}
