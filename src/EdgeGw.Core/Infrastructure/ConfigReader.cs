using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Infrastructure;

/// <summary>
/// What sections use to read the merged configuration (file, environment, command line): typed values,
/// arrays and maps, and unknown-key checks. Every problem is reported with its JSON path and reading goes on,
/// so that one pass finds every problem; a value that could not be read comes back as null (the default).
/// </summary>
internal sealed class ConfigReader
{
    private readonly List<ConfigError> _errors;

    public ConfigReader(List<ConfigError> errors) => _errors = errors;

    /// <summary>Errors reported so far, to tell whether a read step added one.</summary>
    public int ErrorCount => _errors.Count;

    public void Error(string path, string message) => _errors.Add(new ConfigError(path, message));

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>The section must be an object (not a scalar) with only <paramref name="allowed"/> keys.</summary>
    public void CheckObject(IConfigurationSection section, string path, string[] allowed)
    {
        if (section.Value is { Length: > 0 })
        {
            Error(path, "expected an object");
            return;
        }

        CheckKeys(section, path, allowed, []);
    }

    public void CheckKeys(IConfiguration section, string path, string[] allowed, string[] ignored)
    {
        foreach (var child in section.GetChildren())
        {
            if (!Contains(allowed, child.Key) && !Contains(ignored, child.Key))
            {
                Error(Join(path, child.Key), $"unknown key (expected one of: {string.Join(", ", allowed)})");
            }
        }
    }

    public ImmutableArray<T> ReadArray<T>(IConfigurationSection section, string path, Func<IConfigurationSection, string, T> read)
    {
        var items = ImmutableArray.CreateBuilder<T>();
        foreach (var (index, child) in ArrayChildren(section, path))
        {
            items.Add(read(child, $"{path}[{index}]"));
        }

        return items.ToImmutable();
    }

    public ImmutableArray<string> ReadStrings(IConfigurationSection section, string path)
    {
        var items = ImmutableArray.CreateBuilder<string>();
        foreach (var (index, child) in ArrayChildren(section, path))
        {
            if (child.Value is null)
            {
                Error($"{path}[{index}]", "expected a string");
                continue;
            }

            items.Add(child.Value);
        }

        return items.ToImmutable();
    }

    /// <summary>Null when the key is absent (so that it can inherit), else its strings.</summary>
    public ImmutableArray<string>? ReadOptionalStrings(IConfigurationSection section, string path, string key) =>
        section.GetSection(key).Exists() ? ReadStrings(section.GetSection(key), Join(path, key)) : null;

    /// <summary>Null when the key is absent (so that it can inherit), else its integers.</summary>
    public ImmutableArray<int>? ReadOptionalInts(IConfigurationSection section, string path, string key)
    {
        var child = section.GetSection(key);
        if (!child.Exists())
        {
            return null;
        }

        var items = ImmutableArray.CreateBuilder<int>();
        string arrayPath = Join(path, key);
        foreach (var (index, element) in ArrayChildren(child, arrayPath))
        {
            if (!int.TryParse(element.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            {
                Error($"{arrayPath}[{index}]", "expected an integer");
                continue;
            }

            items.Add(value);
        }

        return items.ToImmutable();
    }

    /// <summary>A JSON object of string values, in document order.</summary>
    public ImmutableArray<KeyValuePair<string, string>> ReadMap(IConfigurationSection section, string path)
    {
        var items = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        if (!section.Exists())
        {
            return items.ToImmutable();
        }

        if (section.Value is { Length: > 0 })
        {
            Error(path, "expected an object");
            return items.ToImmutable();
        }

        foreach (var child in section.GetChildren())
        {
            if (child.Value is null)
            {
                Error(Join(path, child.Key), "expected a string");
                continue;
            }

            items.Add(new(child.Key, child.Value));
        }

        return items.ToImmutable();
    }

    public bool? ReadBool(IConfigurationSection section, string path, string key)
    {
        var child = section.GetSection(key);
        if (!child.Exists())
        {
            return null;
        }

        if (bool.TryParse(child.Value, out bool value))
        {
            return value;
        }

        Error(Join(path, key), $"expected true or false, got '{child.Value}'");
        return null;
    }

    public int? ReadInt(IConfigurationSection section, string path, string key)
    {
        long? value = ReadLong(section, path, key);
        if (value is null)
        {
            return null;
        }

        if (value is < int.MinValue or > int.MaxValue)
        {
            Error(Join(path, key), $"'{value}' is out of range");
            return null;
        }

        return (int)value.Value;
    }

    public long? ReadLong(IConfigurationSection section, string path, string key)
    {
        var child = section.GetSection(key);
        if (!child.Exists())
        {
            return null;
        }

        if (child.Value is null)
        {
            Error(Join(path, key), "expected an integer");
            return null;
        }

        if (!long.TryParse(child.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            Error(Join(path, key), $"expected an integer, got '{child.Value}'");
            return null;
        }

        return value;
    }

    /// <summary>Array elements ordered by index. A gap (e.g. an override of index 3 of a 1-element array) is an error.</summary>
    private List<(int Index, IConfigurationSection Section)> ArrayChildren(IConfigurationSection section, string path)
    {
        var children = new List<(int, IConfigurationSection)>();
        if (!section.Exists())
        {
            return children;
        }

        if (section.Value is { Length: > 0 })
        {
            Error(path, "expected an array");
            return children;
        }

        foreach (var child in section.GetChildren())
        {
            if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                Error(path, "expected an array");
                return [];
            }

            children.Add((index, child));
        }

        children.Sort(static (a, b) => a.Item1.CompareTo(b.Item1));
        for (int i = 0; i < children.Count; i++)
        {
            if (children[i].Item1 != i)
            {
                Error($"{path}[{children[i].Item1}]", $"array index out of sequence (expected {i})");
                return [];
            }
        }

        return children;
    }

    private static bool Contains(string[] keys, string key)
    {
        foreach (string candidate in keys)
        {
            if (string.Equals(candidate, key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
