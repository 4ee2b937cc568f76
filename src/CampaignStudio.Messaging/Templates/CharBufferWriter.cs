using System.Buffers;
using System.Text;

namespace CampaignStudio.Messaging.Templates;

/// <summary>
/// A reusable, growable char buffer behind a <see cref="TextWriter"/>: each thread renders into its own, so a message's
/// parts are composed straight from the buffer without the intermediate strings a <see cref="StringWriter"/> would need.
/// </summary>
internal sealed class CharBufferWriter : TextWriter
{
    private char[] _buffer;
    private int _length;

    public CharBufferWriter(int capacity) => _buffer = ArrayPool<char>.Shared.Rent(capacity);

    public override Encoding Encoding => Encoding.UTF8;

    public int Length => _length;

    public int Capacity => _buffer.Length;

    public ReadOnlySpan<char> Written => _buffer.AsSpan(0, _length);

    /// <summary>Characters this writer accepts; one more fails the render with <see cref="LimitMessage"/> (see <see cref="RenderLimits"/>).</summary>
    public int Limit { get; set; } = int.MaxValue;

    public string? LimitMessage { get; set; }

    /// <summary>The message whose work every write is charged to (null outside a render).</summary>
    public MessageRenderContext? Budget { get; set; }

    public void Clear() => _length = 0;

    public void Truncate(int length) => _length = Math.Clamp(length, 0, _length);

    public override void Write(char value)
    {
        if (_length >= Limit)
        {
            throw new RenderLimitException(LimitMessage ?? "The message is too long.");
        }

        Budget?.Charge(1);
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = value;
    }

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (buffer.Length > Limit - _length)
        {
            throw new RenderLimitException(LimitMessage ?? "The message is too long.");
        }

        Budget?.Charge(buffer.Length);
        if (_length + buffer.Length > _buffer.Length)
        {
            Grow(buffer.Length);
        }

        buffer.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
    }

    /// <summary>Room for at least <paramref name="sizeHint"/> characters at the end; <see cref="Advance"/> by what was written (no limit or budget is charged).</summary>
    public Span<char> GetSpan(int sizeHint)
    {
        if (_length + sizeHint > _buffer.Length)
        {
            Grow(sizeHint);
        }

        return _buffer.AsSpan(_length);
    }

    public void Advance(int count) => _length += count;

    public override Task WriteAsync(char value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(char[] buffer, int index, int count)
    {
        Write(buffer, index, count);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return Task.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_buffer);
            _buffer = [];
            _length = 0;
        }

        base.Dispose(disposing);
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        if (_buffer.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_buffer);
        }

        _buffer = larger;
    }
}
