using EdgeGw.Core.Iam;
using EdgeGw.Core.Tls;

namespace EdgeGw.Core.Lambda;

/// <summary>
/// The credentials a Lambda integration signs its invokes with, kept current: credentials that came from a shared
/// credentials or config file are read again when that file changes — temporary credentials rotated by another tool
/// (<c>aws configure export-credentials</c>, an SSO or credential helper writing <c>~/.aws/credentials</c>) are used from
/// the next check on, without a reload. The file is looked at no more than once per <see cref="CheckInterval"/>, on the
/// thread pool: an invoke reads the current credential and never waits for the file. Credentials from the
/// environment are fixed for the process's life (a process's environment does not change).
/// </summary>
public sealed class LambdaCredentials
{
    /// <summary>How often the file the credentials came from is checked for a change.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);

    private readonly string? _profile;
    private readonly string _region;
    private readonly Func<string, string?> _environment;
    private readonly TimeProvider _time;
    private readonly string? _file;
    private readonly long _interval;
    private SigV4SigningCredential _current;
    private FileStamp _stamp;
    private long _nextCheck;
    private int _checking;
    private long _refreshes;

    private LambdaCredentials(AwsCredentials found, string? profile, string region, Func<string, string?> environment, TimeProvider time)
    {
        _profile = profile;
        _region = region;
        _environment = environment;
        _time = time;
        _file = found.File;
        _interval = (long)(CheckInterval.TotalSeconds * time.TimestampFrequency);
        _current = Signing(found);
        _stamp = _file is null ? default : FileStamp.Of(_file);
        _nextCheck = time.GetTimestamp() + _interval;
    }

    /// <summary>The credentials the chain finds now for <paramref name="profile"/> (null: the default chain); null when it finds none.</summary>
    internal static LambdaCredentials? Find(string? profile, string region, Func<string, string?> environment, TimeProvider? time = null) =>
        AwsCredentialSource.Find(profile, environment) is { } found
            ? new LambdaCredentials(found, profile, region, environment, time ?? TimeProvider.System)
            : null;

    /// <summary>The credential to sign with now; starts a check of the file when one is due (it does not wait for it).</summary>
    public SigV4SigningCredential Current
    {
        get
        {
            if (_file is not null && _time.GetTimestamp() >= Volatile.Read(ref _nextCheck) && Interlocked.Exchange(ref _checking, 1) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static credentials => credentials.Check(), this, preferLocal: false);
            }

            return Volatile.Read(ref _current);
        }
    }

    /// <summary>How many times a changed file brought new credentials.</summary>
    public long Refreshes => Interlocked.Read(ref _refreshes);

    /// <summary>Reads the file again if it changed; keeps the credentials in use when it no longer holds any (a half-written file is read at the next check).</summary>
    internal void Check()
    {
        try
        {
            var stamp = FileStamp.Of(_file!);
            if (stamp != _stamp && AwsCredentialSource.Find(_profile, _environment) is { } found)
            {
                _stamp = stamp;
                var signing = Signing(found);
                if (!signing.SameKeys(Volatile.Read(ref _current)))
                {
                    Volatile.Write(ref _current, signing);
                    Interlocked.Increment(ref _refreshes);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _nextCheck, _time.GetTimestamp() + _interval);
            Volatile.Write(ref _checking, 0);
        }
    }

    private SigV4SigningCredential Signing(AwsCredentials found) =>
        new(found.AccessKeyId, found.SecretAccessKey, found.SessionToken, _region, "lambda");

    /// <summary>The access key id in use, for diagnostics (never the secret).</summary>
    public override string ToString() => Volatile.Read(ref _current).ToString();
}
