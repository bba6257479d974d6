namespace EdgeGw.Host.Tests;

/// <summary>A config file in the temp directory, deleted on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    private TempFile(string path) => Path = path;

    public string Path { get; }

    public static TempFile Json(string content)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"edgegw-test-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        return new TempFile(path);
    }

    public void Dispose() => File.Delete(Path);
}
