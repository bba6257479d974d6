using EdgeGw.Core.Lambda;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.Lambda;

/// <summary>
/// Credentials read from a shared credentials file follow the file (temporary credentials rotated by another tool),
/// checked at most every <see cref="LambdaCredentials.CheckInterval"/> and never on the caller's thread.
/// </summary>
public sealed class LambdaCredentialsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"edgegw-aws-{Guid.NewGuid():N}");
    private readonly Dictionary<string, string?> _environment = [];
    private readonly FakeTimeProvider _time = new();

    public LambdaCredentialsTests()
    {
        Directory.CreateDirectory(_directory);
        _environment["AWS_SHARED_CREDENTIALS_FILE"] = File;
        _environment["AWS_CONFIG_FILE"] = Path.Combine(_directory, "config");
        _environment["HOME"] = _directory;
    }

    private string File => Path.Combine(_directory, "credentials");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void Write(string key, string token, DateTime written)
    {
        System.IO.File.WriteAllText(File, $"[default]\naws_access_key_id = {key}\naws_secret_access_key = secret-{key}\naws_session_token = {token}\n");
        System.IO.File.SetLastWriteTimeUtc(File, written);
    }

    private LambdaCredentials Credentials() =>
        LambdaCredentials.Find(null, "eu-west-1", name => _environment.GetValueOrDefault(name), _time)!;

    /// <summary>Reads <see cref="LambdaCredentials.Current"/> until the background check has run (its count moved) or 10 s passed.</summary>
    private static async Task<string> AfterCheckAsync(LambdaCredentials credentials, long refreshesBefore)
    {
        _ = credentials.Current; // starts the due check
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (credentials.Refreshes == refreshesBefore && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        return credentials.Current.ToString();
    }

    [Fact]
    public async Task ARewrittenFile_IsReadAtTheNextCheck_NotBefore()
    {
        Write("AKIDONE", "t1", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var credentials = Credentials();
        Write("AKIDTWO", "t2", new DateTime(2026, 1, 1, 0, 1, 0, DateTimeKind.Utc));

        string beforeDue = credentials.Current.ToString();
        _time.Advance(LambdaCredentials.CheckInterval);
        string afterDue = await AfterCheckAsync(credentials, 0);

        Assert.Equal("AKIDONE", beforeDue);
        Assert.Equal("AKIDTWO", afterDue);
        Assert.Equal(1, credentials.Refreshes);
        Assert.Equal("t2"u8.ToArray(), credentials.Current.SessionToken);
    }

    [Fact]
    public void AFileWithoutCredentials_KeepsTheOnesInUse_AndTheSameKeysCountNoRefresh()
    {
        Write("AKIDONE", "t1", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var credentials = Credentials();

        System.IO.File.WriteAllText(File, "[default]\naws_access_key_id = AKIDHALF\n"); // half written: no secret yet
        _time.Advance(LambdaCredentials.CheckInterval);
        credentials.Check();
        string halfWritten = credentials.Current.ToString();
        Write("AKIDONE", "t1", new DateTime(2026, 1, 1, 0, 2, 0, DateTimeKind.Utc)); // rewritten with the same keys
        _time.Advance(LambdaCredentials.CheckInterval);
        credentials.Check();

        Assert.Equal("AKIDONE", halfWritten);
        Assert.Equal("AKIDONE", credentials.Current.ToString());
        Assert.Equal(0, credentials.Refreshes);
    }

    [Fact]
    public void CredentialsFromTheEnvironment_AreNotCheckedAgain()
    {
        _environment["AWS_ACCESS_KEY_ID"] = "AKIDENV";
        _environment["AWS_SECRET_ACCESS_KEY"] = "s";
        var credentials = Credentials();
        Write("AKIDFILE", "t", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        _time.Advance(LambdaCredentials.CheckInterval * 3);

        Assert.Equal("AKIDENV", credentials.Current.ToString());
        Assert.Equal(0, credentials.Refreshes);
    }
}
