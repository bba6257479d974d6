using System.Buffers;
using System.Buffers.Text;
using System.Text;
using EdgeGw.Core.Observability;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.AccessLogging;

/// <summary>
/// Formats one <see cref="RequestRecord"/> through a compiled <see cref="AccessLogTemplate"/> into a line
/// (ending in <c>\n</c>), allocation-free. Missing values are <c>-</c> as in AWS's logs. Every value from the
/// client (path, User-Agent, Host, method) or the configuration is escaped for the template, so no control
/// character, newline or invalid UTF-8 reaches the log and a value cannot end a JSON string early.
/// </summary>
public static partial class AccessLogFormatter
{
    private static readonly SearchValues<byte> NeedsEscape = SearchValues.Create(BuildNeedsEscape());
    private static readonly byte[][] Months =
        [.. "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".Split(' ').Select(m => Encoding.ASCII.GetBytes(m))];

    /// <summary>Writes the line into <paramref name="destination"/>; false (nothing usable written) when it does not fit.</summary>
    public static bool TryFormat(AccessLogTemplate template, in RequestRecord record, Span<byte> destination, out int written)
    {
        if (!TryFormatParts(template.Parts.AsSpan(), in record, destination, out written) || written == destination.Length)
        {
            return false;
        }

        destination[written++] = (byte)'\n';
        return true;
    }

    /// <summary>
    /// Writes compiled <see cref="ContextTemplate"/> parts (no line end) into <paramref name="destination"/>; false
    /// (nothing usable written) when they do not fit. Shared by the access log and the gateway responses.
    /// </summary>
    public static bool TryFormatParts(ReadOnlySpan<AccessLogPart> parts, in RequestRecord record, Span<byte> destination, out int written)
    {
        var output = new Output(destination);
        foreach (var part in parts)
        {
            if (part.Literal is not null)
            {
                output.Raw(part.Literal);
            }
            else
            {
                WriteVariable(ref output, part.Variable, part.Escape, in record, part.Argument);
            }

            if (output.Overflow)
            {
                break;
            }
        }

        written = output.Position;
        return !output.Overflow;
    }

    private static void WriteVariable(ref Output output, AccessLogVariable variable, AccessLogEscape escape, in RequestRecord record, byte[]? argument)
    {
        switch (variable)
        {
            case AccessLogVariable.RequestId:
                output.Value(record.Get(record.RequestId), escape);
                break;
            case AccessLogVariable.TraceId:
                if (record.Trace.Active)
                {
                    Span<byte> traceId = stackalloc byte[32];
                    record.Trace.WriteTraceId(traceId);
                    output.Raw(traceId);
                }
                else
                {
                    output.Missing();
                }

                break;
            case AccessLogVariable.SourceIp:
                output.Value(record.Get(record.SourceIp), escape);
                break;
            case AccessLogVariable.UserAgent:
                output.Value(record.Get(record.UserAgent), escape);
                break;
            case AccessLogVariable.ApiKeyId:
                output.Value(record.ApiKeyId, escape);
                break;
            case AccessLogVariable.UserArn:
            case AccessLogVariable.Caller:
                output.Value(record.Identity is { } arnIdentity ? arnIdentity.UserArn : default, escape);
                break;
            case AccessLogVariable.AccessKey:
                output.Value(record.Identity is { } keyIdentity ? keyIdentity.AccessKey : default, escape);
                break;
            case AccessLogVariable.RequestTime:
                if (record.Started)
                {
                    WriteClfTime(ref output, record.RequestTimeUnixMs);
                }
                else
                {
                    output.Missing();
                }

                break;
            case AccessLogVariable.RequestTimeEpoch:
                output.Number(record.Started ? record.RequestTimeUnixMs : -1);
                break;
            case AccessLogVariable.HttpMethod:
                output.Value(record.Get(record.MethodToken), escape);
                break;
            case AccessLogVariable.Path:
                output.Value(record.Get(record.Path), escape);
                break;
            case AccessLogVariable.Protocol:
                if (record.MethodToken.Length == 0)
                {
                    output.Missing();
                }
                else
                {
                    output.Raw(record.Version == HttpVersion.Http10 ? "HTTP/1.0"u8 : "HTTP/1.1"u8);
                }

                break;
            case AccessLogVariable.RouteKey:
                output.Value(record.Route?.RouteKey, escape);
                break;
            case AccessLogVariable.Stage:
                output.Value(record.Route?.StageName, escape);
                break;
            case AccessLogVariable.IsCanaryRequest:
                if (record.Route is { IsCanary: true })
                {
                    output.Raw("true"u8);
                }
                else if (record.Route is { Canary: not null })
                {
                    output.Raw("false"u8);
                }
                else
                {
                    output.Missing();
                }

                break;
            case AccessLogVariable.DeploymentId:
                if (record.Route is { DeploymentId: > 0 } deployed)
                {
                    output.Number(deployed.DeploymentId);
                }
                else
                {
                    output.Missing();
                }

                break;
            case AccessLogVariable.ApiId:
                output.Value(record.Route?.ApiName, escape);
                break;
            case AccessLogVariable.ClientCertPem:
            case AccessLogVariable.ClientCertSubjectDN:
            case AccessLogVariable.ClientCertIssuerDN:
            case AccessLogVariable.ClientCertSerialNumber:
            case AccessLogVariable.ClientCertNotBefore:
            case AccessLogVariable.ClientCertNotAfter:
                if (record.ClientCertificate is { } certificate)
                {
                    output.Value(variable switch
                    {
                        AccessLogVariable.ClientCertPem => certificate.Pem,
                        AccessLogVariable.ClientCertSubjectDN => certificate.SubjectDN,
                        AccessLogVariable.ClientCertIssuerDN => certificate.IssuerDN,
                        AccessLogVariable.ClientCertSerialNumber => certificate.SerialNumber,
                        AccessLogVariable.ClientCertNotBefore => certificate.NotBefore,
                        _ => certificate.NotAfter,
                    }, escape);
                }
                else
                {
                    output.Raw("-"u8);
                }

                break;
            case AccessLogVariable.BasePathMatched:
                if (record.Mapping is { } mapping)
                {
                    output.Value(mapping.BasePathBytes.Length == 0 ? "(none)"u8 : mapping.BasePathBytes, escape);
                }
                else
                {
                    output.Value((string?)null, escape);
                }

                break;
            case AccessLogVariable.DomainName:
                output.Value(record.Get(record.Host), escape);
                break;
            case AccessLogVariable.DomainPrefix:
                var host = record.Get(record.Host);
                int dot = host.IndexOf((byte)'.');
                output.Value(dot < 0 ? host : host[..dot], escape);
                break;
            case AccessLogVariable.Status:
                output.Number(record.Status == 0 ? -1 : record.Status);
                break;
            case AccessLogVariable.ResponseLength:
                output.Number(record.ResponseLength);
                break;
            case AccessLogVariable.ResponseLatency:
                output.Number(record.Milliseconds(record.StartTimestamp, record.EndTimestamp));
                break;
            case AccessLogVariable.IntegrationLatency:
                output.Number(record.Milliseconds(record.IntegrationStartTimestamp, record.IntegrationEndTimestamp));
                break;
            case AccessLogVariable.IntegrationStatus:
                output.Number(record.IntegrationStatus == 0 ? -1 : record.IntegrationStatus);
                break;
            case AccessLogVariable.IntegrationErrorMessage:
                output.Value(record.IntegrationErrorMessage, escape);
                break;
            case AccessLogVariable.ErrorMessage:
                output.Value(record.ErrorMessage, escape);
                break;
            case AccessLogVariable.ErrorMessageString:
                if (record.ErrorMessage is null)
                {
                    output.Missing();
                }
                else
                {
                    output.Raw(escape == AccessLogEscape.Json ? "\\\""u8 : "\""u8);
                    output.Escaped(record.ErrorMessage, escape);
                    output.Raw(escape == AccessLogEscape.Json ? "\\\""u8 : "\""u8);
                }

                break;
            case AccessLogVariable.ErrorResponseType:
                output.Value(GatewayErrorTypes.Name(record.ErrorType), escape);
                break;
            case AccessLogVariable.Cache:
                output.Raw(record.Cache switch
                {
                    CacheResult.Hit => "hit"u8,
                    CacheResult.Miss => "miss"u8,
                    _ => "-"u8,
                });
                break;
            case AccessLogVariable.Throttle:
                output.Raw(!record.AccessChecked ? "-"u8 : record.Access switch
                {
                    AccessOutcome.Allowed => "allowed"u8,
                    AccessOutcome.Throttled => "throttled"u8,
                    AccessOutcome.QuotaExceeded => "quotaExceeded"u8,
                    _ => "forbidden"u8,
                });
                break;
            case AccessLogVariable.AuthorizerPrincipalId:
                output.Value(record.Identity is { } caller ? caller.PrincipalId : default, escape);
                break;
            case AccessLogVariable.AuthorizerClaim:
                output.Value(record.Identity is { } claimant && claimant.TryGetClaim(argument, out var claim) ? claim : default, escape);
                break;
            case AccessLogVariable.AuthorizerContext:
                output.Value(record.Identity is { } authorized && authorized.TryGetContext(argument, out var value) ? value : default, escape);
                break;
            case AccessLogVariable.AuthorizerError:
                output.Value(record.AuthorizerError, escape);
                break;
            case AccessLogVariable.AuthorizerLatency:
                output.Number(record.Milliseconds(record.AuthorizerStartTimestamp, record.AuthorizerEndTimestamp));
                break;
            case AccessLogVariable.AuthorizerStatus:
                output.Number(record.AuthorizerStatus == 0 ? -1 : record.AuthorizerStatus);
                break;
            default:
                output.Missing();
                break;
        }
    }

    /// <summary>CLF time as AWS writes it: <c>dd/MMM/yyyy:HH:mm:ss +0000</c> (UTC).</summary>
    private static void WriteClfTime(ref Output output, long unixMs)
    {
        var time = DateTime.UnixEpoch.AddMilliseconds(unixMs);
        output.Digits2(time.Day);
        output.Raw("/"u8);
        output.Raw(Months[time.Month - 1]);
        output.Raw("/"u8);
        output.Number(time.Year);
        output.Raw(":"u8);
        output.Digits2(time.Hour);
        output.Raw(":"u8);
        output.Digits2(time.Minute);
        output.Raw(":"u8);
        output.Digits2(time.Second);
        output.Raw(" +0000"u8);
    }

    private static byte[] BuildNeedsEscape()
    {
        var bytes = new List<byte>();
        for (int b = 0; b < 256; b++)
        {
            if (b < 0x20 || b >= 0x7F || b == '"' || b == '\\')
            {
                bytes.Add((byte)b);
            }
        }

        return [.. bytes];
    }
}
