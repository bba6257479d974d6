using System.Buffers.Text;

namespace EdgeGw.Server.Infrastructure;

/// <summary>
/// The <c>Date</c> header line, rebuilt once a second by a timer so that responses copy bytes instead of
/// formatting a date per request.
/// </summary>
public sealed class DateHeader : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private volatile byte[] _line;

    public DateHeader(TimeProvider time)
    {
        _time = time;
        _line = Format(time.GetUtcNow());
        _timer = time.CreateTimer(static s => ((DateHeader)s!).Refresh(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary><c>Date: Tue, 24 Nov 2026 21:00:00 GMT\r\n</c></summary>
    public ReadOnlySpan<byte> Line => _line;

    private void Refresh() => _line = Format(_time.GetUtcNow());

    private static byte[] Format(DateTimeOffset now)
    {
        Span<byte> buffer = stackalloc byte[64];
        "Date: "u8.CopyTo(buffer);
        Utf8Formatter.TryFormat(now, buffer[6..], out int written, new System.Buffers.StandardFormat('R'));
        int length = 6 + written;
        buffer[length++] = (byte)'\r';
        buffer[length++] = (byte)'\n';
        return buffer[..length].ToArray();
    }

    public void Dispose() => _timer.Dispose();
}
