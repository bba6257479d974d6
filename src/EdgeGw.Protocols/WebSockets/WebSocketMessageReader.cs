using System.Buffers;
using EdgeGw.Protocols.Buffers;
using System.Buffers.Binary;

namespace EdgeGw.Protocols.WebSockets;

/// <summary>
/// The receive side of a server endpoint of RFC 6455, without I/O: parses client frames (which must be
/// masked), enforces frame and message limits, reassembles fragmented messages with control frames allowed
/// between fragments, validates text as UTF-8 as it arrives, and validates close frames. It consumes whole
/// frames only, so it gives the same answers wherever the input was cut.
/// The message buffer is rented for a message and can be given back while the connection is idle.
/// </summary>
public sealed class WebSocketMessageReader
{
    private readonly int _maxFrameBytes;
    private readonly int _maxMessageBytes;
    private byte[]? _message;
    private int _length;
    private int _payloadStart;
    private int _payloadLength;
    private int _utf8Validated;
    private bool _inFragmentedMessage;
    private bool _messageDelivered;
    // Rented only while a control frame's payload is in use: an idle connection holds no buffer at all.
    private byte[]? _control;

    public WebSocketMessageReader(int maxFrameBytes, int maxMessageBytes)
    {
        _maxFrameBytes = maxFrameBytes;
        _maxMessageBytes = maxMessageBytes;
    }

    /// <summary>Type of the message last returned (<see cref="WebSocketOpcode.Text"/> or <see cref="WebSocketOpcode.Binary"/>).</summary>
    public WebSocketOpcode MessageType { get; private set; }

    /// <summary>Close code to send (after <see cref="WebSocketReadStatus.Error"/>) or received (after <see cref="WebSocketReadStatus.Close"/>, 1005 when absent).</summary>
    public ushort CloseCode { get; private set; }

    /// <summary>The payload of the last event; valid until the next call to <see cref="Read"/>.</summary>
    public ReadOnlyMemory<byte> PayloadMemory => _payloadLength == 0 ? default :
        (_payloadStart < 0 ? _control!.AsMemory(0, _payloadLength) : _message.AsMemory(_payloadStart, _payloadLength));

    /// <summary>The payload of the last event; valid until the next call to <see cref="Read"/>.</summary>
    public ReadOnlySpan<byte> Payload => _payloadLength == 0 ? default :
        (_payloadStart < 0 ? _control!.AsSpan(0, _payloadLength) : _message.AsSpan(_payloadStart, _payloadLength));

    /// <summary>Whether a fragmented message is partly received (its buffer must be kept).</summary>
    public bool HasPartialMessage => _inFragmentedMessage;

    /// <summary>
    /// Consumes frames from the start of <paramref name="buffer"/> until one produces an event or no whole frame
    /// is left; <paramref name="consumed"/> is where the unread rest begins.
    /// </summary>
    public WebSocketReadStatus Read(in ReadOnlySequence<byte> buffer, out SequencePosition consumed)
    {
        consumed = buffer.Start;
        _payloadLength = 0;
        if (_messageDelivered)
        {
            _messageDelivered = false;
            _length = 0;
        }

        var rest = buffer;
        while (true)
        {
            var status = TryReadHeader(rest, out var header);
            if (status != WebSocketReadStatus.Message)
            {
                return status;
            }

            long frameLength = header.HeaderLength + header.PayloadLength;
            if (rest.Length < frameLength)
            {
                return WebSocketReadStatus.NeedMoreData;
            }

            var payload = rest.Slice(header.HeaderLength, header.PayloadLength);
            rest = rest.Slice(frameLength);
            consumed = rest.Start;
            var outcome = header.IsControl ? OnControlFrame(header, payload) : OnDataFrame(header, payload);
            if (outcome != WebSocketReadStatus.NeedMoreData)
            {
                return outcome;
            }
        }
    }

    /// <summary>Gives the message buffer back to the pool when no message is in progress (an idle connection holds none).</summary>
    public void ReleaseBuffer()
    {
        if (_control is not null)
        {
            BlockPool.Return(_control);
            _control = null;
            _payloadLength = 0;
        }

        if (_message is not null && !_inFragmentedMessage)
        {
            BlockPool.Return(_message);
            _message = null;
            _length = 0;
            _messageDelivered = false;
        }
    }

    // Message on success: a header was read (the name reuses the status enum to avoid a second one).
    private WebSocketReadStatus TryReadHeader(in ReadOnlySequence<byte> buffer, out WebSocketFrameHeader header)
    {
        header = default;
        if (buffer.Length < 2)
        {
            return WebSocketReadStatus.NeedMoreData;
        }

        Span<byte> bytes = stackalloc byte[14];
        int available = (int)Math.Min(buffer.Length, 14);
        buffer.Slice(0, available).CopyTo(bytes);
        byte first = bytes[0];
        byte second = bytes[1];
        var opcode = (WebSocketOpcode)(first & 0x0F);
        bool fin = (first & 0x80) != 0;
        if ((first & 0x70) != 0 || opcode is not (WebSocketOpcode.Continuation or WebSocketOpcode.Text or WebSocketOpcode.Binary or WebSocketOpcode.Close or WebSocketOpcode.Ping or WebSocketOpcode.Pong))
        {
            // Reserved bits without a negotiated extension, or a reserved opcode.
            return Fail(WebSocketCloseCode.ProtocolError);
        }

        bool masked = (second & 0x80) != 0;
        long length = second & 0x7F;
        int headerLength = 2;
        if (length == 126)
        {
            headerLength = 4;
        }
        else if (length == 127)
        {
            headerLength = 10;
        }

        if (masked)
        {
            headerLength += 4;
        }

        if (!masked)
        {
            return Fail(WebSocketCloseCode.ProtocolError);
        }

        bool control = ((byte)opcode & 0x8) != 0;
        if (control && (!fin || length > 125))
        {
            return Fail(WebSocketCloseCode.ProtocolError);
        }

        if (available < headerLength)
        {
            return WebSocketReadStatus.NeedMoreData;
        }

        if (length == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        }
        else if (length == 127)
        {
            ulong wide = BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]);
            if (wide > long.MaxValue)
            {
                return Fail(WebSocketCloseCode.ProtocolError);
            }

            length = (long)wide;
        }

        if (length > _maxFrameBytes)
        {
            return Fail(WebSocketCloseCode.MessageTooBig);
        }

        uint key = BinaryPrimitives.ReadUInt32BigEndian(bytes[(headerLength - 4)..]);
        header = new WebSocketFrameHeader(fin, opcode, masked, length, key, headerLength);
        return WebSocketReadStatus.Message;
    }

    private WebSocketReadStatus OnControlFrame(in WebSocketFrameHeader header, in ReadOnlySequence<byte> payload)
    {
        int length = (int)payload.Length;
        _control ??= BlockPool.Rent(125);
        payload.CopyTo(_control);
        WebSocketMask.Apply(_control.AsSpan(0, length), header.MaskKey);
        _payloadStart = -1;
        _payloadLength = length;
        switch (header.Opcode)
        {
            case WebSocketOpcode.Ping:
                return WebSocketReadStatus.Ping;
            case WebSocketOpcode.Pong:
                _payloadLength = 0;
                return WebSocketReadStatus.Pong;
        }

        // Close: empty, or a valid code and a UTF-8 reason.
        if (length == 0)
        {
            CloseCode = WebSocketCloseCode.NoStatus;
            return WebSocketReadStatus.Close;
        }

        if (length == 1)
        {
            return Fail(WebSocketCloseCode.ProtocolError);
        }

        ushort code = BinaryPrimitives.ReadUInt16BigEndian(_control);
        if (!WebSocketCloseCode.IsValidOnWire(code))
        {
            return Fail(WebSocketCloseCode.ProtocolError);
        }

        if (!Utf8Validation.TryValidatePrefix(_control.AsSpan(2, length - 2), out int tail) || tail != 0)
        {
            return Fail(WebSocketCloseCode.InvalidPayload);
        }

        CloseCode = code;
        _payloadStart = -1;
        _payloadLength = length - 2;
        _control.AsSpan(2, _payloadLength).CopyTo(_control);
        return WebSocketReadStatus.Close;
    }

    private WebSocketReadStatus OnDataFrame(in WebSocketFrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (header.Opcode == WebSocketOpcode.Continuation)
        {
            if (!_inFragmentedMessage)
            {
                return Fail(WebSocketCloseCode.ProtocolError);
            }
        }
        else
        {
            if (_inFragmentedMessage)
            {
                // A new message may not start before the fragmented one ends.
                return Fail(WebSocketCloseCode.ProtocolError);
            }

            MessageType = header.Opcode;
            _length = 0;
            _utf8Validated = 0;
        }

        int length = (int)payload.Length;
        if ((long)_length + length > _maxMessageBytes)
        {
            return Fail(WebSocketCloseCode.MessageTooBig);
        }

        EnsureCapacity(_length + length);
        var destination = _message.AsSpan(_length, length);
        payload.CopyTo(destination);
        WebSocketMask.Apply(destination, header.MaskKey);
        _length += length;

        if (MessageType == WebSocketOpcode.Text)
        {
            // Checked per fragment so that a bad byte closes the connection without waiting for the rest.
            if (!Utf8Validation.TryValidatePrefix(_message.AsSpan(_utf8Validated, _length - _utf8Validated), out int tail)
                || (header.Fin && tail != 0))
            {
                return Fail(WebSocketCloseCode.InvalidPayload);
            }

            _utf8Validated = _length - tail;
        }

        if (!header.Fin)
        {
            _inFragmentedMessage = true;
            return WebSocketReadStatus.NeedMoreData;
        }

        _inFragmentedMessage = false;
        _messageDelivered = true;
        _payloadStart = 0;
        _payloadLength = _length;
        return WebSocketReadStatus.Message;
    }

    private void EnsureCapacity(int needed)
    {
        if (_message is not null && _message.Length >= needed)
        {
            return;
        }

        var larger = BlockPool.Rent(Math.Max(needed, 256));
        if (_message is not null)
        {
            _message.AsSpan(0, _length).CopyTo(larger);
            BlockPool.Return(_message);
        }

        _message = larger;
    }

    private WebSocketReadStatus Fail(ushort code)
    {
        CloseCode = code;
        _payloadLength = 0;
        return WebSocketReadStatus.Error;
    }
}
