using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Iam;

/// <summary>The <c>iam</c> section as written. Secrets are not part of it: they are read from files or the environment.</summary>
internal sealed record IamConfig(string? Region, string Service, ImmutableArray<IamCredentialConfig> Credentials);

/// <summary>One <c>iam.credentials[]</c> entry as written: where its secret is, never the secret itself.</summary>
internal sealed record IamCredentialConfig(string? AccessKeyId, string? SecretAccessKeyFile, string? SecretAccessKeyEnv, string? Principal);

/// <summary>
/// <c>iam</c>: the credentials <c>authorizationType: "AWS_IAM"</c> routes verify SigV4 signatures with, and the
/// region and service their credential scope must name. Each secret is read at load (and on every reload, so a
/// rotated key takes effect with the next save of the config) from <c>secretAccessKeyFile</c> or the environment
/// variable <c>secretAccessKeyEnv</c>; an error names the file or variable, never the secret.
/// </summary>
internal sealed class IamSection : IConfigSection
{
    public const string DefaultService = "execute-api";
    /// <summary>AWS's access key ids are 16 to 128 characters.</summary>
    public const int MinAccessKeyLength = 16;
    public const int MaxAccessKeyLength = 128;
    /// <summary>A shorter secret is a password an attacker can guess (AWS's are 40 characters).</summary>
    public const int MinSecretLength = 16;
    public const int MaxCredentials = 10_000;

    private const string Key = "iam";
    private static readonly string[] Keys = ["region", "service", "credentials"];
    private static readonly string[] CredentialKeys = ["accessKeyId", "secretAccessKeyFile", "secretAccessKeyEnv", "principal"];
    private static readonly SearchValues<char> ScopeChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");
    private static readonly SearchValues<char> AccessKeyChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

    private readonly Func<string, string?> _environment;
    private string?[] _secrets = [];
    private string?[] _secretErrors = [];

    public IamSection(Func<string, string?>? environment = null) => _environment = environment ?? Environment.GetEnvironmentVariable;

    /// <summary>Null when the configuration has no <c>iam</c> section.</summary>
    public IamConfig? Config { get; private set; }

    public bool IsConfigured => Config is not null;

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var section = root.GetSection(Key);
        Config = null;
        (_secrets, _secretErrors) = ([], []);
        if (!section.Exists())
        {
            return;
        }

        reader.CheckObject(section, Key, Keys);
        var credentials = reader.ReadArray(section.GetSection("credentials"), "iam.credentials", (s, p) =>
        {
            reader.CheckObject(s, p, CredentialKeys);
            return new IamCredentialConfig(s["accessKeyId"], s["secretAccessKeyFile"], s["secretAccessKeyEnv"], s["principal"]);
        });
        Config = new IamConfig(section["region"], section["service"] ?? DefaultService, credentials);
        _secrets = new string?[credentials.Length];
        _secretErrors = new string?[credentials.Length];
        for (int i = 0; i < credentials.Length; i++)
        {
            (_secrets[i], _secretErrors[i]) = ReadSecret(credentials[i]);
        }
    }

    public void Validate(ConfigChecks checks)
    {
        if (Config is not { } config)
        {
            return;
        }

        if (string.IsNullOrEmpty(config.Region))
        {
            checks.Error("iam.region", "the region credential scopes must name, such as \"us-east-1\"");
        }
        else if (!IsScopePart(config.Region))
        {
            checks.Error("iam.region", $"'{config.Region}' is not a region name (lower-case letters, digits and '-')");
        }

        if (!IsScopePart(config.Service))
        {
            checks.Error("iam.service", $"'{config.Service}' is not a service name (lower-case letters, digits and '-'; AWS API Gateway's is \"execute-api\")");
        }

        if (config.Credentials.IsEmpty)
        {
            checks.Error("iam.credentials", "at least one credential: { \"accessKeyId\", \"secretAccessKeyFile\" or \"secretAccessKeyEnv\", \"principal\" }");
        }
        else if (config.Credentials.Length > MaxCredentials)
        {
            checks.Error("iam.credentials", $"at most {MaxCredentials} credentials");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < config.Credentials.Length; i++)
        {
            var credential = config.Credentials[i];
            string path = $"iam.credentials[{i}]";
            if (credential.AccessKeyId is not { } id || id.Length is < MinAccessKeyLength or > MaxAccessKeyLength || id.AsSpan().ContainsAnyExcept(AccessKeyChars))
            {
                checks.Error($"{path}.accessKeyId", $"an access key id of {MinAccessKeyLength}-{MaxAccessKeyLength} letters and digits, such as \"AKIAIOSFODNN7EXAMPLE\"");
            }
            else if (!seen.TryAdd(id, i))
            {
                checks.Error($"{path}.accessKeyId", $"'{id}' is also iam.credentials[{seen[id]}]");
            }

            if (credential.SecretAccessKeyFile is null == credential.SecretAccessKeyEnv is null)
            {
                checks.Error(path, "exactly one of secretAccessKeyFile (a file holding the secret access key) or secretAccessKeyEnv (an environment variable holding it)");
            }
            else if (_secretErrors[i] is { } error)
            {
                checks.Error(credential.SecretAccessKeyFile is not null ? $"{path}.secretAccessKeyFile" : $"{path}.secretAccessKeyEnv", error);
            }

            if (string.IsNullOrEmpty(credential.Principal))
            {
                checks.Error($"{path}.principal", "the principal this key signs for, such as \"arn:aws:iam::123456789012:user/ci\"");
            }
            else if (credential.Principal.Length > 2048 || !IsVisibleAscii(credential.Principal))
            {
                checks.Error($"{path}.principal", "at most 2048 visible ASCII characters (it is forwarded as a header value)");
            }
        }
    }

    /// <summary>The compiled settings of a validated section; null when there is no <c>iam</c> section.</summary>
    public IamSettings? Compile()
    {
        if (Config is not { } config)
        {
            return null;
        }

        var credentials = new List<(string, string, string)>(config.Credentials.Length);
        for (int i = 0; i < config.Credentials.Length; i++)
        {
            credentials.Add((config.Credentials[i].AccessKeyId!, _secrets[i]!, config.Credentials[i].Principal!));
        }

        return new IamSettings(config.Region!, config.Service, credentials);
    }

    private (string? Secret, string? Error) ReadSecret(IamCredentialConfig credential)
    {
        string? secret;
        string source;
        if (credential.SecretAccessKeyFile is { } file)
        {
            source = $"the file '{file}'";
            if (file.Length == 0)
            {
                return (null, "a path to a file holding the secret access key");
            }

            try
            {
                secret = File.ReadAllText(file, Encoding.UTF8).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return (null, $"cannot read '{file}': {ex.Message}");
            }
        }
        else if (credential.SecretAccessKeyEnv is { } variable)
        {
            source = $"the environment variable '{variable}'";
            secret = variable.Length == 0 ? null : _environment(variable)?.Trim();
            if (secret is null)
            {
                return (null, variable.Length == 0 ? "the name of an environment variable holding the secret access key" : $"the environment variable '{variable}' is not set");
            }
        }
        else
        {
            return (null, null);
        }

        // Only lengths and kinds of characters are reported: the secret never enters a message.
        if (secret.Length < MinSecretLength)
        {
            return (null, $"the secret access key in {source} has {secret.Length} character(s) after trimming; at least {MinSecretLength} are required");
        }

        if (secret.Length > 1024 || !IsVisibleAscii(secret))
        {
            return (null, $"the secret access key in {source} must be at most 1024 visible ASCII characters");
        }

        return (secret, null);
    }

    private static bool IsScopePart(string value) => value.Length is > 0 and <= 64 && !value.AsSpan().ContainsAnyExcept(ScopeChars);

    private static bool IsVisibleAscii(string value)
    {
        foreach (char c in value)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
