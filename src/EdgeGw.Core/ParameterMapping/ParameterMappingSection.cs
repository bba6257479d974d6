using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.ParameterMapping;

/// <summary>One <c>"action:target": "value"</c> as written, with the JSON path of its key.</summary>
internal sealed record MappingEntryConfig(string Action, string Target, string Value, string Path);

/// <summary>An integration's <c>requestParameters</c> and <c>responseParameters</c> (by status code) as written.</summary>
internal sealed record ParameterMappingConfig(
    ImmutableArray<MappingEntryConfig> Request,
    ImmutableArray<KeyValuePair<string, ImmutableArray<MappingEntryConfig>>> Response)
{
    public static ParameterMappingConfig None { get; } = new([], []);

    public bool IsEmpty => Request.IsDefaultOrEmpty && Response.IsDefaultOrEmpty;
}

/// <summary>
/// <c>integration.requestParameters</c> / <c>integration.responseParameters</c> (AWS HTTP API parameter mapping):
/// read, validated with the JSON path of each key and compiled per stage into a <see cref="RequestMapping"/> and
/// a <see cref="ResponseMapping"/>. The configuration binder splits <c>overwrite:header.X</c> at its colon, so an
/// entry is read as the action's object holding the target.
/// </summary>
internal static class ParameterMappingSection
{
    /// <summary>AWS's limit on the parameters of one mapping.</summary>
    public const int MaxEntries = 50;

    /// <summary>
    /// Headers a mapping may not touch: AWS's reserved headers for HTTP API parameter mapping, plus the ones
    /// EdgeGw itself owns (Host, framing, X-Request-Id). Prefixes end with <c>*</c>.
    /// </summary>
    private static readonly string[] ReservedHeaders =
    [
        "access-control-*", "apigw-*", "authorization", "connection", "content-encoding", "content-length",
        "content-location", "forwarded", "keep-alive", "origin", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "trailers", "transfer-encoding", "upgrade", "x-amz-*", "x-amzn-*", "x-forwarded-*", "via",
        "host", "x-request-id", "date",
    ];

    public static ParameterMappingConfig Read(ConfigReader reader, IConfigurationSection integration, string path)
    {
        var request = ReadEntries(integration.GetSection("requestParameters"), ConfigReader.Join(path, "requestParameters"));
        var responseSection = integration.GetSection("responseParameters");
        var response = ImmutableArray.CreateBuilder<KeyValuePair<string, ImmutableArray<MappingEntryConfig>>>();
        foreach (var status in responseSection.GetChildren())
        {
            string statusPath = ConfigReader.Join(ConfigReader.Join(path, "responseParameters"), status.Key);
            if (status.Value is not null)
            {
                reader.Error(statusPath, "must be an object of \"action:target\": \"value\" entries");
                continue;
            }

            response.Add(new(status.Key, ReadEntries(status, statusPath)));
        }

        return request.IsEmpty && response.Count == 0 ? ParameterMappingConfig.None : new ParameterMappingConfig(request, response.ToImmutable());
    }

    private static ImmutableArray<MappingEntryConfig> ReadEntries(IConfigurationSection section, string path)
    {
        var entries = ImmutableArray.CreateBuilder<MappingEntryConfig>();
        foreach (var action in section.GetChildren())
        {
            if (action.Value is not null)
            {
                // No colon in the key: reported by the validation (the action is missing).
                entries.Add(new MappingEntryConfig("", action.Key, action.Value, ConfigReader.Join(path, action.Key)));
                continue;
            }

            foreach (var target in action.GetChildren())
            {
                entries.Add(new MappingEntryConfig(action.Key, target.Key, target.Value ?? "", $"{path}.{action.Key}:{target.Key}"));
            }
        }

        return entries.ToImmutable();
    }

    public static void Validate(ConfigChecks checks, ParameterMappingConfig mapping, string integrationPath, bool isHttp, ImmutableArray<string>? parameterNames)
    {
        if (mapping.IsEmpty)
        {
            return;
        }

        if (!isHttp)
        {
            checks.Error(mapping.Request.IsDefaultOrEmpty ? $"{integrationPath}.responseParameters" : $"{integrationPath}.requestParameters",
                "parameter mapping applies to http integrations only");
            return;
        }

        if (mapping.Request.Length > MaxEntries)
        {
            checks.Error($"{integrationPath}.requestParameters", $"at most {MaxEntries} parameters (AWS's limit)");
        }

        var names = parameterNames ?? default;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in mapping.Request)
        {
            ValidateEntry(checks, entry, MappingValue.Side.Request, names, seen);
        }

        foreach (var (statusKey, entries) in mapping.Response)
        {
            string statusPath = $"{integrationPath}.responseParameters.{statusKey}";
            if (!int.TryParse(statusKey, NumberStyles.None, CultureInfo.InvariantCulture, out int status) || status is < 200 or > 599)
            {
                checks.Error(statusPath, "a backend status code from 200 to 599");
            }

            seen.Clear();
            foreach (var entry in entries)
            {
                ValidateEntry(checks, entry, MappingValue.Side.Response, names, seen);
            }
        }
    }

    private static void ValidateEntry(ConfigChecks checks, MappingEntryConfig entry, MappingValue.Side side, ImmutableArray<string> parameterNames, HashSet<string> seen)
    {
        if (entry.Action is not ("overwrite" or "append" or "remove"))
        {
            checks.Error(entry.Path, entry.Action.Length == 0
                ? "a key is \"overwrite:\", \"append:\" or \"remove:\" followed by header.<name>, querystring.<name> or path"
                : $"'{entry.Action}' is not overwrite, append or remove");
            return;
        }

        if (!seen.Add($"{entry.Action}:{entry.Target}"))
        {
            checks.Error(entry.Path, "given twice");
        }

        bool isRemove = entry.Action == "remove";
        if (entry.Target.StartsWith("header.", StringComparison.OrdinalIgnoreCase))
        {
            string name = entry.Target["header.".Length..];
            if (name.Length == 0 || name.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
            {
                checks.Error(entry.Path, "not a valid header name");
                return;
            }

            if (IsReserved(name))
            {
                checks.Error(entry.Path, $"'{name}' is a reserved header: API Gateway (and EdgeGw) does not let a mapping change it");
                return;
            }
        }
        else if (entry.Target.StartsWith("querystring.", StringComparison.OrdinalIgnoreCase) && side == MappingValue.Side.Request)
        {
            string name = entry.Target["querystring.".Length..];
            if (name.Length == 0 || name.AsSpan().IndexOfAny("&=#?% +") >= 0 || name.Any(char.IsControl))
            {
                checks.Error(entry.Path, "not a valid query string name (no '&', '=', '#', '?', '%', '+' or spaces)");
                return;
            }
        }
        else if (entry.Target == "path" && side == MappingValue.Side.Request)
        {
            if (entry.Action != "overwrite")
            {
                checks.Error(entry.Path, "the path can only be overwritten");
                return;
            }
        }
        else if (entry.Target == "statuscode" && side == MappingValue.Side.Response)
        {
            if (entry.Action != "overwrite")
            {
                checks.Error(entry.Path, "the status code can only be overwritten");
            }
            else if (!int.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int status) || status is < 200 or > 599 || status is 204 or 304)
            {
                checks.Error(entry.Path, "a status code from 200 to 599, not 204 or 304 (the backend's body is relayed as it came)");
            }

            return;
        }
        else
        {
            checks.Error(entry.Path, side == MappingValue.Side.Request
                ? $"'{entry.Target}' is not header.<name>, querystring.<name> or path"
                : $"'{entry.Target}' is not header.<name> or statuscode (a response mapping changes headers and the status code)");
            return;
        }

        if (isRemove)
        {
            return; // the value is not used (AWS writes "''")
        }

        foreach (char c in entry.Value)
        {
            if (char.IsControl(c))
            {
                checks.Error(entry.Path, "a value may not contain control characters");
                return;
            }
        }

        if (MappingValue.Compile(entry.Value, side, parameterNames.IsDefault ? [] : parameterNames, default, out string error) is null)
        {
            checks.Error(entry.Path, error);
        }
    }

    /// <summary>Whether a mapping may not change header <paramref name="name"/> (AWS's reserved headers and EdgeGw's own).</summary>
    public static bool IsReserved(string name)
    {
        foreach (string reserved in ReservedHeaders)
        {
            if (reserved.EndsWith('*')
                ? name.StartsWith(reserved.AsSpan(0, reserved.Length - 1), StringComparison.OrdinalIgnoreCase)
                : string.Equals(reserved, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Null when the integration maps no request parameter.</summary>
    public static RequestMapping? CompileRequest(ParameterMappingConfig mapping, ImmutableArray<string> parameterNames,
        ImmutableArray<KeyValuePair<string, string>> stageVariables)
    {
        if (mapping.Request.IsDefaultOrEmpty)
        {
            return null;
        }

        var headers = ImmutableArray.CreateBuilder<MappingOperation>();
        var queries = ImmutableArray.CreateBuilder<MappingOperation>();
        MappingValue? path = null;
        foreach (var entry in mapping.Request)
        {
            var action = ActionOf(entry.Action);
            var value = action == MappingAction.Remove
                ? MappingValue.Compile("''", MappingValue.Side.Request, parameterNames, stageVariables, out _)!
                : MappingValue.Compile(entry.Value, MappingValue.Side.Request, parameterNames, stageVariables, out _)!;
            if (entry.Target.StartsWith("header.", StringComparison.OrdinalIgnoreCase))
            {
                headers.Add(new MappingOperation(action, Encoding.ASCII.GetBytes(entry.Target["header.".Length..]), value));
            }
            else if (entry.Target.StartsWith("querystring.", StringComparison.OrdinalIgnoreCase))
            {
                queries.Add(new MappingOperation(action, Encoding.UTF8.GetBytes(entry.Target["querystring.".Length..]), value));
            }
            else
            {
                path = value;
            }
        }

        bool readsBody = path?.ReadsBody == true;
        foreach (var operation in headers)
        {
            readsBody |= operation.Value.ReadsBody;
        }

        foreach (var operation in queries)
        {
            readsBody |= operation.Value.ReadsBody;
        }

        return new RequestMapping { Headers = headers.ToImmutable(), QueryStrings = queries.ToImmutable(), Path = path, ReadsBody = readsBody };
    }

    /// <summary>Null when the integration maps no response.</summary>
    public static ResponseMapping? CompileResponse(ParameterMappingConfig mapping, ImmutableArray<KeyValuePair<string, string>> stageVariables)
    {
        if (mapping.Response.IsDefaultOrEmpty)
        {
            return null;
        }

        var statuses = ImmutableArray.CreateBuilder<StatusMapping>();
        foreach (var (statusKey, entries) in mapping.Response)
        {
            int newStatus = 0;
            var headers = ImmutableArray.CreateBuilder<MappingOperation>();
            foreach (var entry in entries)
            {
                if (entry.Target == "statuscode")
                {
                    newStatus = int.Parse(entry.Value, CultureInfo.InvariantCulture);
                    continue;
                }

                var action = ActionOf(entry.Action);
                var value = MappingValue.Compile(action == MappingAction.Remove ? "''" : entry.Value, MappingValue.Side.Response, [], stageVariables, out _)!;
                headers.Add(new MappingOperation(action, Encoding.ASCII.GetBytes(entry.Target["header.".Length..]), value));
            }

            statuses.Add(new StatusMapping { Status = int.Parse(statusKey, CultureInfo.InvariantCulture), NewStatus = newStatus, Headers = headers.ToImmutable() });
        }

        return new ResponseMapping(statuses.ToImmutable());
    }

    private static MappingAction ActionOf(string action) => action switch
    {
        "append" => MappingAction.Append,
        "remove" => MappingAction.Remove,
        _ => MappingAction.Overwrite,
    };
}
