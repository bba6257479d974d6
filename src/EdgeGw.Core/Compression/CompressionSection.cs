using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Compression;

/// <summary>
/// An API's or route's compression settings as written; every field optional, a route's present fields win
/// over its API's. The API's <c>minimumCompressionSize</c> (AWS's REST API setting) is read into the API's
/// object.
/// </summary>
internal sealed record CompressionConfig(
    bool? Enabled,
    int? MinimumCompressionSize,
    int? GzipLevel,
    int? BrotliLevel,
    ImmutableArray<string>? Encodings,
    ImmutableArray<string>? ContentTypes)
{
    public static CompressionConfig None { get; } = new(null, null, null, null, null, null);
}

/// <summary>
/// Response compression: <c>apis[].minimumCompressionSize</c> and the <c>compression</c> object of APIs and
/// routes, read, checked and compiled into a per-route <see cref="CompressionPolicy"/>.
/// </summary>
internal static class CompressionSection
{
    /// <summary>AWS's limit for <c>minimumCompressionSize</c> (10 MiB).</summary>
    public const int MaxMinimumCompressionSize = 10 * 1024 * 1024;
    public const int DefaultGzipLevel = 5;
    public const int DefaultBrotliLevel = 4;
    public const int MaxContentTypes = 64;

    public static readonly ImmutableArray<string> DefaultEncodings = ["br", "gzip"];

    public static readonly ImmutableArray<string> DefaultContentTypes =
    [
        "text/*", "application/json", "application/javascript", "application/xml", "image/svg+xml", "*/*+json", "*/*+xml",
    ];

    private static readonly string[] Keys = ["enabled", "minimumCompressionSize", "gzipLevel", "brotliLevel", "encodings", "contentTypes"];

    /// <summary>An API's settings: its <c>minimumCompressionSize</c> and <c>compression</c> object.</summary>
    public static CompressionConfig ReadApi(ConfigReader reader, IConfigurationSection api, string path)
    {
        var config = Read(reader, api.GetSection("compression"), ConfigReader.Join(path, "compression"));
        int? minimum = reader.ReadInt(api, path, "minimumCompressionSize");
        if (minimum is null)
        {
            return config;
        }

        if (config.MinimumCompressionSize is not null)
        {
            reader.Error(ConfigReader.Join(path, "compression.minimumCompressionSize"), "set minimumCompressionSize once: on the API or in its compression object");
        }

        return config with { MinimumCompressionSize = minimum };
    }

    /// <summary>A <c>compression</c> object; <see cref="CompressionConfig.None"/> when absent.</summary>
    public static CompressionConfig Read(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return CompressionConfig.None;
        }

        reader.CheckObject(section, path, Keys);
        return new CompressionConfig(
            reader.ReadBool(section, path, "enabled"),
            reader.ReadInt(section, path, "minimumCompressionSize"),
            reader.ReadInt(section, path, "gzipLevel"),
            reader.ReadInt(section, path, "brotliLevel"),
            reader.ReadOptionalStrings(section, path, "encodings"),
            reader.ReadOptionalStrings(section, path, "contentTypes"));
    }

    /// <param name="path">The JSON path of the object's owner (the API or route); keys are reported under it.</param>
    public static void Validate(ConfigChecks checks, CompressionConfig config, string path, bool onApi, bool webSocket = false)
    {
        if (ReferenceEquals(config, CompressionConfig.None))
        {
            return;
        }

        if (webSocket)
        {
            checks.Error(config.MinimumCompressionSize is not null ? $"{path}.minimumCompressionSize" : $"{path}.compression",
                "only an HTTP API compresses responses (a WebSocket API's messages are not HTTP responses)");
            return;
        }

        string objectPath = $"{path}.compression";
        if (config.MinimumCompressionSize is { } minimum)
        {
            checks.Range(onApi ? $"{path}.minimumCompressionSize" : $"{objectPath}.minimumCompressionSize", minimum, 0, MaxMinimumCompressionSize);
        }

        if (config.GzipLevel is { } gzip)
        {
            checks.Range($"{objectPath}.gzipLevel", gzip, 1, 9);
        }

        if (config.BrotliLevel is { } brotli)
        {
            checks.Range($"{objectPath}.brotliLevel", brotli, 0, 11);
        }

        if (config.Encodings is { } encodings)
        {
            if (encodings.IsEmpty)
            {
                checks.Error($"{objectPath}.encodings", "list at least one of \"br\", \"gzip\" (use \"enabled\": false to turn compression off)");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < encodings.Length; i++)
            {
                if (encodings[i] is not ("br" or "gzip"))
                {
                    checks.Error($"{objectPath}.encodings[{i}]", $"'{encodings[i]}' is not \"br\" or \"gzip\"");
                }
                else if (!seen.Add(encodings[i]))
                {
                    checks.Error($"{objectPath}.encodings[{i}]", $"'{encodings[i]}' is listed twice");
                }
            }
        }

        if (config.ContentTypes is { } types)
        {
            if (types.IsEmpty || types.Length > MaxContentTypes)
            {
                checks.Error($"{objectPath}.contentTypes", $"list 1-{MaxContentTypes} media types (use \"enabled\": false to turn compression off)");
            }

            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < types.Length; i++)
            {
                if (!TryParseType(types[i], out _, out _))
                {
                    checks.Error($"{objectPath}.contentTypes[{i}]", $"'{types[i]}' is not a media type such as \"application/json\", \"text/*\" or \"*/*+json\" (no parameters)");
                }
                else if (!seen.Add(types[i]))
                {
                    checks.Error($"{objectPath}.contentTypes[{i}]", $"'{types[i]}' is listed twice");
                }
            }
        }
    }

    /// <summary>The API's settings with the route's overrides; null when the route does not compress.</summary>
    public static CompressionPolicy? Compile(CompressionConfig api, CompressionConfig route)
    {
        bool? enabled = route.Enabled ?? api.Enabled;
        int? minimum = route.MinimumCompressionSize ?? api.MinimumCompressionSize;
        if (enabled == false || (minimum is null && enabled != true))
        {
            return null;
        }

        var encodings = route.Encodings ?? api.Encodings ?? DefaultEncodings;
        var types = ImmutableArray.CreateBuilder<byte[]>();
        var prefixes = ImmutableArray.CreateBuilder<byte[]>();
        var suffixes = ImmutableArray.CreateBuilder<byte[]>();
        foreach (string type in route.ContentTypes ?? api.ContentTypes ?? DefaultContentTypes)
        {
            TryParseType(type, out var kind, out string text);
            var target = kind switch
            {
                TypeKind.Prefix => prefixes,
                TypeKind.Suffix => suffixes,
                _ => types,
            };
            target.Add(Encoding.ASCII.GetBytes(text));
        }

        return new CompressionPolicy
        {
            MinimumSize = minimum ?? 0,
            Brotli = encodings.Contains("br"),
            Gzip = encodings.Contains("gzip"),
            GzipLevel = route.GzipLevel ?? api.GzipLevel ?? DefaultGzipLevel,
            BrotliLevel = route.BrotliLevel ?? api.BrotliLevel ?? DefaultBrotliLevel,
            Types = types.ToImmutable(),
            TypePrefixes = prefixes.ToImmutable(),
            Suffixes = suffixes.ToImmutable(),
        };
    }

    private enum TypeKind
    {
        Exact,
        Prefix,
        Suffix,
    }

    /// <summary><c>type/subtype</c>, <c>type/*</c> or <c>*/*+suffix</c>; <paramref name="text"/> is what is matched, lower case.</summary>
    private static bool TryParseType(string value, out TypeKind kind, out string text)
    {
        kind = TypeKind.Exact;
        text = value.ToLowerInvariant();
        int slash = value.IndexOf('/');
        if (value.Length > 256 || slash <= 0 || slash == value.Length - 1)
        {
            return false;
        }

        string type = text[..slash];
        string subtype = text[(slash + 1)..];
        if (type == "*")
        {
            // Only "*/*+suffix": any type whose subtype ends with the suffix (RFC 6839).
            if (!subtype.StartsWith("*+", StringComparison.Ordinal) || subtype.Length < 3 || !IsToken(subtype[2..]))
            {
                return false;
            }

            kind = TypeKind.Suffix;
            text = subtype[1..];
            return true;
        }

        if (!IsToken(type))
        {
            return false;
        }

        if (subtype == "*")
        {
            kind = TypeKind.Prefix;
            text = type + "/";
            return true;
        }

        return IsToken(subtype);
    }

    private static bool IsToken(string value) => value.Length > 0 && !value.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars) && value.IndexOf('*') < 0;
}
