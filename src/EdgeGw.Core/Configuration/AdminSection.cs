using System.Collections.Immutable;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>The operator API as written. Loopback only unless <see cref="AllowRemote"/> is set.</summary>
internal sealed record AdminConfig(ImmutableArray<string> Listen, bool AllowRemote);

/// <summary><c>admin</c>: the listeners of the operator API (metrics, cache flush, keys), compiled into <see cref="AdminSettings"/>.</summary>
internal sealed class AdminSection : IConfigSection
{
    public const string DefaultListen = "http://127.0.0.1:9901";

    private const string Key = "admin";
    private static readonly string[] Keys = ["listen", "allowRemote"];

    public AdminConfig Config { get; private set; } = new([DefaultListen], false);

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var section = root.GetSection(Key);
        reader.CheckObject(section, Key, Keys);
        var listen = section.GetSection("listen").Exists() ? reader.ReadStrings(section.GetSection("listen"), "admin.listen") : [DefaultListen];
        Config = new AdminConfig(listen, reader.ReadBool(section, Key, "allowRemote") ?? false);
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
                checks.Error(path, $"'{url}' is not a loopback address; the admin API has no authentication (set admin.allowRemote to true to expose it anyway)");
            }
        }
    }

    public AdminSettings Compile() => new(Config.Listen);
}
