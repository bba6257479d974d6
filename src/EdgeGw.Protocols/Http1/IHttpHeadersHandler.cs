namespace EdgeGw.Protocols.Http1;

/// <summary>Receives each header field of a head as it is parsed. Implement on a struct so calls inline.</summary>
public interface IHttpHeadersHandler
{
    void OnHeader(in HeaderLine header);
}
