using EdgeGw.Core.Configuration;
using EdgeGw.Core.Model;
using EdgeGw.Server.Hosting;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace EdgeGw;

/// <summary>
/// Hot reload: watches the config file's directory and, once a burst of change events has settled, reads the
/// file afresh. A file that is missing, unreadable, empty, malformed or invalid is one logged error and the
/// running config stays; only a config that loads is swapped in. Listeners and the transport are fixed at start:
/// a change to <c>server.listen</c>, <c>admin.listen</c> or <c>server.transport</c> is one line saying it needs a
/// restart, and the rest of the change is applied.
/// </summary>
internal sealed class ConfigReloader : IDisposable
{
    // As the JSON file provider waited: an editor's save is several events, a rewrite can be truncate then write.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    private readonly string _path;
    private readonly string[] _overrides;
    private readonly GatewayHost _host;
    private readonly PhysicalFileProvider _files;
    private readonly IDisposable _watch;
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private readonly GatewayModel _started;
    private readonly ILogger _log;
    private byte[]? _lastSeen;
    private byte[]? _lastStages;
    // The deployment store's stages file, looked at once a second (its directory may not exist yet, and watching
    // would mean creating it: the state directory is only made on a first write).
    private static readonly TimeSpan StagesPoll = TimeSpan.FromSeconds(1);
    private readonly string? _stagesPath;
    private readonly Timer? _stagesTimer;
    private (bool, DateTime, long) _stagesStamp;

    public ConfigReloader(string path, string[] overrides, GatewayHost host, byte[]? loaded, ILogger log)
    {
        _log = log;
        _path = path;
        _overrides = overrides;
        _host = host;
        _lastSeen = loaded;
        _started = host.Runtime.Current.Model;
        string full = Path.GetFullPath(path);
        _files = new PhysicalFileProvider(Path.GetDirectoryName(full)!, ExclusionFilters.None);
        string name = Path.GetFileName(full);
        _timer = new Timer(_ => Reload(requested: false), null, Timeout.Infinite, Timeout.Infinite);
        _watch = ChangeToken.OnChange(() => _files.Watch(name), () => _timer.Change(Settle, Timeout.InfiniteTimeSpan));

        // `edgegw deploy` (another process) points a stage at a deployment by rewriting the store's stages file.
        if (_started.Deployments is { } deployments)
        {
            _lastStages = deployments.Store.StagesBytes();
            _stagesPath = deployments.Store.StagesPath;
            _stagesStamp = StagesStamp(_stagesPath);
            _stagesTimer = new Timer(_ => PollStages(), null, StagesPoll, StagesPoll);
        }

        // A change between the start's load and this watch raised no event: look once (the same bytes change nothing).
        _timer.Change(Settle, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// A reload asked for (SIGHUP, systemd's <c>ExecReload</c>): reads the file now, whether or not it changed,
    /// and says so either way. Returns once the new config is in effect or has been refused.
    /// </summary>
    public void ReloadNow() => Reload(requested: true);

    private void Reload(bool requested)
    {
        lock (_gate)
        {
            var result = ConfigSource.Load(_path, _overrides);
            if (result.FileError is not null)
            {
                _lastSeen = null;
                CliLog.ReloadFailed(_log, result.FileError);
                return;
            }

            byte[]? stages = (result.Model ?? _host.Runtime.Current.Model).Deployments?.Store.StagesBytes();
            bool stagesUnchanged = stages is null ? _lastStages is null : _lastStages is not null && stages.AsSpan().SequenceEqual(_lastStages);
            _lastStages = stages;
            if (_lastSeen is not null && result.Source is not null && _lastSeen.AsSpan().SequenceEqual(result.Source) && stagesUnchanged)
            {
                if (requested)
                {
                    CliLog.ReloadUnchanged(_log, _path);
                }

                return; // another event for the same save
            }

            _lastSeen = result.Source;
            if (result.Model is null)
            {
                CliLog.ReloadInvalid(_log, _path, result.Format());
                return;
            }

            var fixedAtStart = ChangesNeedingRestart(_started, result.Model);
            if (fixedAtStart.Count > 0)
            {
                CliLog.NeedsRestart(_log, _path, string.Join(", ", fixedAtStart));
            }

            _host.Runtime.Swap(result.Model);
            CliLog.Reloaded(_log, _path, result.Model.Routes.Count);
        }
    }

    /// <summary>The stages file changed (a deploy, a rollback by another process): reload once it settled.</summary>
    private void PollStages()
    {
        var stamp = StagesStamp(_stagesPath!);
        if (stamp != _stagesStamp)
        {
            _stagesStamp = stamp;
            _timer.Change(Settle, Timeout.InfiniteTimeSpan);
        }
    }

    private static (bool, DateTime, long) StagesStamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (true, info.LastWriteTimeUtc, info.Length) : (false, default, 0);
    }

    /// <summary>The keys of <paramref name="loaded"/> that differ from the running ones but are only read at start.</summary>
    internal static List<string> ChangesNeedingRestart(GatewayModel running, GatewayModel loaded)
    {
        var keys = new List<string>();
        if (!running.Server.Listen.SequenceEqual(loaded.Server.Listen))
        {
            keys.Add("server.listen");
        }

        if (running.Server.Transport != loaded.Server.Transport)
        {
            keys.Add("server.transport");
        }

        if (!running.Admin.Listen.SequenceEqual(loaded.Admin.Listen, StringComparer.Ordinal))
        {
            keys.Add("admin.listen");
        }

        // The state file is opened (and its usage loaded) once, at start.
        if (running.State.Path != loaded.State.Path)
        {
            keys.Add("state.path");
        }

        if (running.State.FlushInterval != loaded.State.FlushInterval)
        {
            keys.Add("state.flushIntervalSeconds");
        }

        return keys;
    }

    public void Dispose()
    {
        _stagesTimer?.Dispose();
        _watch.Dispose();
        _timer.Dispose();
        _files.Dispose();
    }
}
