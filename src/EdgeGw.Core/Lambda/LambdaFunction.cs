using EdgeGw.Core.Upstream;

namespace EdgeGw.Core.Lambda;

/// <summary>
/// A lambda integration's <c>function</c> as parsed: an ARN (<c>arn:aws:lambda:region:account:function:name[:qualifier]</c>,
/// other partitions too) or an Invoke-API endpoint (<c>http://host:port</c>, as the Runtime Interface Emulator
/// serves, whose function is called <c>function</c>).
/// </summary>
internal sealed record LambdaFunction(
    string Text,
    bool IsArn,
    string Partition,
    string Region,
    string Account,
    string Name,
    string? Qualifier,
    string? EndpointHost,
    int EndpointPort,
    bool EndpointTls)
{
    /// <summary>The function name the Runtime Interface Emulator answers to.</summary>
    public const string EmulatorFunctionName = "function";

    /// <summary>The function's ARN without its qualifier (empty for an endpoint).</summary>
    public string UnqualifiedArn => IsArn ? $"arn:{Partition}:lambda:{Region}:{Account}:function:{Name}" : "";

    /// <summary>AWS's regional Lambda endpoint for an ARN: <c>lambda.region.amazonaws.com</c> (<c>.com.cn</c> in China).</summary>
    public string AwsHost => Partition == "aws-cn" ? $"lambda.{Region}.amazonaws.com.cn" : $"lambda.{Region}.amazonaws.com";

    public static bool TryParse(string text, out LambdaFunction function, out string error)
    {
        function = null!;
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!ClusterSection.TryParseDestination(text.TrimEnd('/'), out string host, out int port, out bool tls))
            {
                error = $"'{text}' is not an Invoke-API endpoint such as http://127.0.0.1:9001 (no path)";
                return false;
            }

            function = new LambdaFunction(text, false, "", "", "", EmulatorFunctionName, null, host, port, tls);
            error = "";
            return true;
        }

        // arn:partition:lambda:region:account:function:name[:qualifier]
        var parts = text.Split(':');
        if (parts.Length is < 7 or > 8 || parts[0] != "arn" || !parts[1].StartsWith("aws", StringComparison.Ordinal) || parts[2] != "lambda" || parts[5] != "function")
        {
            error = $"'{text}' is neither a function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]) nor an http://host:port endpoint";
            return false;
        }

        if (!IsRegion(parts[3]))
        {
            error = $"'{parts[3]}' is not a region (such as us-east-1)";
            return false;
        }

        if (parts[4].Length != 12 || parts[4].AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            error = $"'{parts[4]}' is not a 12-digit account id";
            return false;
        }

        if (!IsName(parts[6], 64, allowDollar: false))
        {
            error = $"'{parts[6]}' is not a function name (1 to 64 letters, digits, '-' or '_')";
            return false;
        }

        string? qualifier = parts.Length == 8 ? parts[7] : null;
        if (qualifier is not null && !IsName(qualifier, 128, allowDollar: true))
        {
            error = $"'{qualifier}' is not a version or alias";
            return false;
        }

        function = new LambdaFunction(text, true, parts[1], parts[3], parts[4], parts[6], qualifier, null, 0, false);
        error = "";
        return true;
    }

    private static bool IsRegion(string text)
    {
        if (text.Length is < 4 or > 32)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsName(string text, int max, bool allowDollar)
    {
        if (text.Length < 1 || text.Length > max)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_') && !(allowDollar && c == '$'))
            {
                return false;
            }
        }

        return true;
    }
}
