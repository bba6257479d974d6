using System.Text.Json;

namespace EdgeGw.Server.Admin;

/// <summary>An admin answer: status, content type and body.</summary>
internal sealed record AdminResponse(int Status, string ContentType, byte[] Body)
{
    /// <summary>A <c>WWW-Authenticate</c> challenge to send (the 401 of a missing or wrong admin token).</summary>
    public string? Challenge { get; init; }

    /// <summary>An AWS error type sent as <c>x-amzn-ErrorType</c> (the @connections API's, so AWS SDKs raise their modelled exceptions).</summary>
    public string? ErrorType { get; init; }

    public static AdminResponse Json(int status, object value) =>
        new(status, "application/json", JsonSerializer.SerializeToUtf8Bytes(value, AdminJson.Options));

    public static AdminResponse Error(int status, string message) => Json(status, new { message });

    /// <summary>An error as AWS sends it: <c>{"message":...}</c> and its type in <c>x-amzn-ErrorType</c>.</summary>
    public static AdminResponse Error(int status, string errorType, string message) => Error(status, message) with { ErrorType = errorType };
}
