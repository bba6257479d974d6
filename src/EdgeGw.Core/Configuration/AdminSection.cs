using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>The operator API as written. Loopback only unless <see cref="AllowRemote"/> is set.</summary>
/// <param name="TokenFile">The file holding the bearer token every admin request must carry (null: no token).</param>
internal sealed record AdminConfig(ImmutableArray<string> Listen, bool AllowRemote, string? TokenFile = null);

/// <summary><c>admin</c>: the listeners of the operator API (metrics, cache flush, keys), compiled into <see cref="AdminSettings"/>.</summary>
internal sealed class AdminSection : IConfigSection
{
    public const string DefaultListen = "http://127.0.0.1:9901";

    /// <summary>128 bits of hex or base64 need more; a shorter token is a password an attacker can guess.</summary>
    public const int MinTokenLength = 16;

    private const string Key = "admin";
    private static readonly string[] Keys = ["listen", "allowRemote", "tokenFile"];

    private string? _token;
    private string? _tokenError;

    public AdminConfig Config { get; private set; } = new([DefaultListen], false);

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var section = root.GetSection(Key);
        reader.CheckObject(section, Key, Keys);
        var listen = section.GetSection("listen").Exists() ? reader.ReadStrings(section.GetSection("listen"), "admin.listen") : [DefaultListen];
        string? tokenFile = section["tokenFile"];
        Config = new AdminConfig(listen, reader.ReadBool(section, Key, "allowRemote") ?? false, tokenFile);
        (_token, _tokenError) = (null, null);
        if (tokenFile is null)
        {
            return;
        }

        // Read at load (and on every reload, so a rotated token takes effect with the next save of the config).
        try
        {
            _token = File.ReadAllText(tokenFile, Encoding.UTF8).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _tokenError = $"cannot read '{tokenFile}': {ex.Message}";
        }
    }

    public void Validate(ConfigChecks checks)
    {
        for (int i = 0; i < Config.Listen.Length; i++)
        {
            string url = Config.Listen[i];
            string path = $"admin.listen[{i}]";
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query)
                || uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) && uri.Host != "localhost")
            {
                checks.Error(path, $"'{url}' is not a listen URL like http://127.0.0.1:9901");
            }
            else if (!uri.IsLoopback && !Config.AllowRemote)
            {
                checks.Error(path, Config.TokenFile is null
                    ? $"'{url}' is not a loopback address; the admin API has no authentication (set admin.tokenFile, and admin.allowRemote to true to expose it)"
                    : $"'{url}' is not a loopback address; set admin.allowRemote to true to expose the admin API (its token is checked on every request)");
            }
        }

        if (Config.TokenFile is { } file)
        {
            if (file.Length == 0)
            {
                checks.Error("admin.tokenFile", "a file path holding the admin bearer token");
            }
            else if (_tokenError is not null)
            {
                checks.Error("admin.tokenFile", _tokenError);
            }
            else if (_token!.Length < MinTokenLength)
            {
                checks.Error("admin.tokenFile", $"the token in '{file}' has {_token.Length} character(s) after trimming; at least {MinTokenLength} are required");
            }
        }
    }

    public AdminSettings Compile() => new(Config.Listen)
    {
        // Only the digest is kept: requests are compared digest to digest, in constant time.
        TokenDigest = _token is { Length: > 0 } token ? ImmutableArray.Create(SHA256.HashData(Encoding.UTF8.GetBytes(token))) : null,
    };
}
