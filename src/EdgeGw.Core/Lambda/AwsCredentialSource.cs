namespace EdgeGw.Core.Lambda;

/// <summary>AWS credentials as found: access key, secret, optional session token, and where they came from (for messages).</summary>
/// <param name="File">The shared credentials or config file they were read from; null when they came from the environment.</param>
internal sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken, string Source, string? File = null);

/// <summary>
/// Finds AWS credentials the way the AWS SDKs' default chain starts: a profile named in the config is read from the
/// shared files; otherwise <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>(/<c>AWS_SESSION_TOKEN</c>); otherwise
/// the profile <c>AWS_PROFILE</c> names (or <c>default</c>) in <c>~/.aws/credentials</c>
/// (<c>AWS_SHARED_CREDENTIALS_FILE</c>) then <c>~/.aws/config</c> (<c>AWS_CONFIG_FILE</c>, sections <c>[profile name]</c>).
/// Read when a config compiles (a reload reads them afresh), and from a file again when it changes
/// (<see cref="LambdaCredentials"/>); instance metadata and SSO are not consulted.
/// </summary>
internal static class AwsCredentialSource
{
    public static AwsCredentials? Find(string? profile, Func<string, string?> environment)
    {
        if (profile is null)
        {
            string? key = environment("AWS_ACCESS_KEY_ID");
            string? secret = environment("AWS_SECRET_ACCESS_KEY");
            if (!string.IsNullOrEmpty(key) && !string.IsNullOrEmpty(secret))
            {
                return new AwsCredentials(key, secret, NullIfEmpty(environment("AWS_SESSION_TOKEN")), "the environment");
            }
        }

        string name = profile ?? NullIfEmpty(environment("AWS_PROFILE")) ?? "default";
        string home = environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string credentialsFile = NullIfEmpty(environment("AWS_SHARED_CREDENTIALS_FILE")) ?? Path.Combine(home, ".aws", "credentials");
        string configFile = NullIfEmpty(environment("AWS_CONFIG_FILE")) ?? Path.Combine(home, ".aws", "config");
        return FromFile(credentialsFile, name, name) ?? FromFile(configFile, name == "default" ? "default" : $"profile {name}", name);
    }

    /// <summary>The keys of section <c>[section]</c> of an INI file; null when the file, the section or a key is missing.</summary>
    private static AwsCredentials? FromFile(string path, string section, string profile)
    {
        string[] lines;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        bool inSection = false;
        string? key = null, secret = null, token = null;
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                inSection = string.Equals(line[1..^1].Trim(), section, StringComparison.Ordinal);
                continue;
            }

            int eq = line.IndexOf('=');
            if (!inSection || eq <= 0)
            {
                continue;
            }

            string name = line[..eq].Trim().ToLowerInvariant();
            string value = line[(eq + 1)..].Trim();
            switch (name)
            {
                case "aws_access_key_id":
                    key = value;
                    break;
                case "aws_secret_access_key":
                    secret = value;
                    break;
                case "aws_session_token":
                    token = value;
                    break;
            }
        }

        return string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret) ? null : new AwsCredentials(key, secret, NullIfEmpty(token), $"profile '{profile}' in {path}", path);
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
