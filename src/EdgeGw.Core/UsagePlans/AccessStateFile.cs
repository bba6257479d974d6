using EdgeGw.Core.Model;
using System.Text.Json;

namespace EdgeGw.Core.UsagePlans;

/// <summary>
/// Persists quota usage and admin-created keys to one JSON file, written atomically (temp file + rename) every
/// flush interval when something changed, and on shutdown. A crash loses at most one interval of counts.
/// Keys are stored as SHA-256 digests only. A file that cannot be read at start is one logged line and is left
/// as it is until keys or quota usage change.
/// </summary>
public sealed class AccessStateFile : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    private readonly AccessControl _access;
    private readonly string _path;
    private readonly ITimer _timer;
    private readonly object _writeLock = new();
    private long _lastFingerprint = -1;
    private volatile bool _keysChanged;

    /// <param name="path">Relative to the working directory.</param>
    /// <param name="log">Receives one line when the file exists but cannot be loaded.</param>
    public AccessStateFile(AccessControl access, string path, TimeSpan flushInterval, Action<string>? log = null)
    {
        _access = access;
        _path = System.IO.Path.GetFullPath(path);
        Load();
        if (LoadError is not null)
        {
            log?.Invoke($"state file not loaded, starting without its keys and quota usage (it is replaced when they change): {LoadError}");
        }

        access.KeysChanged += () =>
        {
            _keysChanged = true;
            Flush();
        };
        _timer = access.Time.CreateTimer(static s => ((AccessStateFile)s!).Flush(), this, flushInterval, flushInterval);
    }

    /// <summary>The full path of the state file.</summary>
    public string Path => _path;

    /// <summary>Reported problems reading the file at startup (it is then ignored, not overwritten until a change).</summary>
    public string? LoadError { get; private set; }

    private void Load()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        try
        {
            var state = JsonSerializer.Deserialize<StateDocument>(File.ReadAllBytes(_path), Json);
            if (state is null)
            {
                return;
            }

            _access.RestoreKeys(state.Keys.Select(k => new ApiKeyDefinition(k.Id, k.Sha256, k.Enabled, [.. k.UsagePlans])));
            foreach (var quota in state.Quotas)
            {
                _access.RestoreQuota(quota.Key, quota.Plan, quota.Start, quota.End, quota.Used);
            }

            foreach (var past in state.History)
            {
                _access.History.Record(past.Key, past.Plan, past.Start, past.End, past.Used);
            }

            _lastFingerprint = Fingerprint();
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or FormatException)
        {
            LoadError = $"{_path}: {ex.Message}";
            // Counted as written, so the unreadable file is kept for the operator until there is something to save.
            _lastFingerprint = Fingerprint();
        }
    }

    /// <summary>Writes the file if anything changed since the last write.</summary>
    public void Flush()
    {
        lock (_writeLock)
        {
            long fingerprint = Fingerprint();
            if (fingerprint == _lastFingerprint && !_keysChanged)
            {
                return;
            }

            var document = new StateDocument
            {
                Version = 1,
                Keys = [.. _access.RuntimeKeys().Select(k => new KeyRecord { Id = k.Id, Sha256 = k.Sha256Hex, Enabled = k.Enabled, UsagePlans = [.. k.UsagePlans] })],
                Quotas = [.. _access.Quotas().Select(q => new QuotaRecord { Key = q.Key, Plan = q.Plan, Start = q.Counter.Start, End = q.Counter.End, Used = q.Counter.Used })],
                History = [.. _access.History.All().Select(h => new QuotaRecord { Key = h.Key, Plan = h.Plan, Start = h.Period.Start, End = h.Period.End, Used = h.Period.Used })],
            };

            if (document.Keys.Count == 0 && document.Quotas.Count == 0 && document.History.Count == 0 && !File.Exists(_path))
            {
                return;
            }

            string temp = _path + ".tmp";
            try
            {
                CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
                File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(document, Json));
                File.Move(temp, _path, overwrite: true);
                _lastFingerprint = fingerprint;
                _keysChanged = false;
            }
            catch (IOException)
            {
                // Next interval retries; the previous file stays intact because the rename never happened.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>The state directory is created on the first write, readable by the gateway's user only (0700).</summary>
    private static void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private long Fingerprint()
    {
        long sum = _access.History.Version;
        foreach (var quota in _access.Quotas())
        {
            sum = unchecked((sum * 31) + quota.Counter.Used + quota.Counter.Start.UtcTicks);
        }

        return sum;
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }

    private sealed class StateDocument
    {
        public int Version { get; set; }
        public List<KeyRecord> Keys { get; set; } = [];
        public List<QuotaRecord> Quotas { get; set; } = [];
        /// <summary>Past windows' usage (<see cref="UsageHistory"/>).</summary>
        public List<QuotaRecord> History { get; set; } = [];
    }

    private sealed class KeyRecord
    {
        public string Id { get; set; } = "";
        public string Sha256 { get; set; } = "";
        public bool Enabled { get; set; }
        public List<string> UsagePlans { get; set; } = [];
    }

    private sealed class QuotaRecord
    {
        public string Key { get; set; } = "";
        public string Plan { get; set; } = "";
        public DateTimeOffset Start { get; set; }
        public DateTimeOffset End { get; set; }
        public long Used { get; set; }
    }
}
