using System.Buffers.Text;
using System.Text;
using EdgeGw.Core.Caching;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Server.Caching;

/// <summary>
/// Decides from an upstream head whether a response may be stored, and for how long: status on the route's
/// list; no <c>no-store</c>, <c>private</c> or <c>no-cache</c>; no <c>Set-Cookie</c> unless the route allows it;
/// no <c>Vary: *</c>; <c>s-maxage</c> (else <c>max-age</c>) shortens the TTL.
/// </summary>
internal static class CacheStorability
{
    public static bool Decide(RouteCachePolicy policy, int statusCode, ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers, out TimeSpan ttl)
    {
        bool storable = policy.IsCacheableStatus(statusCode);
        long maxAge = -1;
        long sharedMaxAge = -1;
        foreach (ref readonly var entry in headers)
        {
            var name = entry.Name(head);
            if (name.Length == 13 && Ascii.EqualsIgnoreCase(name, "cache-control"u8))
            {
                foreach (var directive in new FieldListEnumerator(entry.Value(head)))
                {
                    if (Ascii.EqualsIgnoreCase(directive, "no-store"u8) || Ascii.EqualsIgnoreCase(directive, "no-cache"u8)
                        || Ascii.EqualsIgnoreCase(directive, "private"u8) || directive.StartsWith("private="u8) || directive.StartsWith("no-cache="u8))
                    {
                        storable = false;
                    }
                    else if (TryDirectiveSeconds(directive, "max-age="u8, out long seconds))
                    {
                        maxAge = seconds;
                    }
                    else if (TryDirectiveSeconds(directive, "s-maxage="u8, out seconds))
                    {
                        sharedMaxAge = seconds;
                    }
                }
            }
            else if (name.Length == 10 && Ascii.EqualsIgnoreCase(name, "set-cookie"u8))
            {
                storable &= policy.CacheSetCookie;
            }
            else if (name.Length == 4 && Ascii.EqualsIgnoreCase(name, "vary"u8) && entry.Value(head).Contains((byte)'*'))
            {
                storable = false;
            }
        }

        long limit = sharedMaxAge >= 0 ? sharedMaxAge : maxAge;
        ttl = policy.Ttl;
        if (limit >= 0 && limit < ttl.TotalSeconds)
        {
            ttl = TimeSpan.FromSeconds(limit);
        }

        return storable && ttl > TimeSpan.Zero;
    }

    /// <summary><c>Cache-Control: max-age=0</c> from the client asks for a fresh copy (AWS's invalidation request).</summary>
    public static bool ClientAsksRefresh(ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers)
    {
        foreach (ref readonly var entry in headers)
        {
            if (entry.NameLength == 13 && Ascii.EqualsIgnoreCase(entry.Name(head), "cache-control"u8))
            {
                foreach (var directive in new FieldListEnumerator(entry.Value(head)))
                {
                    if (Ascii.EqualsIgnoreCase(directive, "max-age=0"u8))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static bool TryDirectiveSeconds(ReadOnlySpan<byte> directive, ReadOnlySpan<byte> prefix, out long seconds)
    {
        seconds = 0;
        if (directive.Length <= prefix.Length || !Ascii.EqualsIgnoreCase(directive[..prefix.Length], prefix))
        {
            return false;
        }

        var value = directive[prefix.Length..].Trim((byte)'"');
        // An unparsable or huge value is treated as 0: never store longer than the upstream may have meant.
        if (!Utf8Parser.TryParse(value, out seconds, out int consumed) || consumed != value.Length || seconds < 0)
        {
            seconds = 0;
        }

        return true;
    }
}
