using System.Buffers;
using System.Text.Unicode;

namespace CampaignStudio.Data.Import;

/// <summary>
/// What the first megabyte of an upload says about it before it is read as CSV: empty, not text at all (a workbook, a PDF,
/// binary data), or text that is not UTF-8 (and from which line). Each refusal is one sentence the marketer can act on.
/// </summary>
internal static class CsvFileCheck
{
    public const int HeadBytes = 1 << 20;

    /// <param name="Bytes">The first megabyte (or the whole file when shorter).</param>
    /// <param name="Complete">True when <paramref name="Bytes"/> is the whole file.</param>
    /// <param name="IsUtf8">True for valid UTF-8 (or a UTF-16 file with its byte order mark).</param>
    /// <param name="NotUtf8Line">The line of the first byte that is not UTF-8.</param>
    public sealed record Head(byte[] Bytes, bool Complete, bool IsUtf8, long? NotUtf8Line);

    public static Head ReadHead(Stream stream)
    {
        var buffer = new byte[HeadBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }

        var complete = length < buffer.Length || stream.ReadByte() < 0;
        var bytes = buffer.AsSpan(0, length).ToArray();
        ReadOnlySpan<byte> span = bytes;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || span.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            // UTF-16 with its byte order mark: the reader decodes it from the mark.
            return new Head(bytes, complete, true, null);
        }

        var text = span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? span[3..] : span;
        if (complete && text.IndexOfAnyExcept((ReadOnlySpan<byte>)[(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n']) < 0)
        {
            throw new ImportFileException("The file is empty: it needs a header row that names the columns and at least one data row.");
        }

        if (NotText(text) is { } what)
        {
            throw new ImportFileException($"This is not a CSV text file: {what}");
        }

        var invalidAt = FirstInvalidUtf8(text, complete);
        return invalidAt is { } at
            ? new Head(bytes, complete, false, 1 + text[..at].Count((byte)'\n'))
            : new Head(bytes, complete, true, null);
    }

    private static string? NotText(ReadOnlySpan<byte> text)
    {
        if (text.StartsWith("PK\u0003\u0004"u8))
        {
            return "it looks like an Excel workbook (.xlsx) or another zip archive. In Excel choose File › Save As › “CSV UTF-8” and upload that file.";
        }

        if (text.StartsWith((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]))
        {
            return "it looks like an Excel 97–2003 workbook (.xls). In Excel choose File › Save As › “CSV UTF-8” and upload that file.";
        }

        if (text.StartsWith("%PDF"u8))
        {
            return "it is a PDF document. Export the data as CSV and upload that file.";
        }

        var zero = text.IndexOf((byte)0);
        return zero >= 0 ? $"it contains binary data (a zero byte at position {zero + 1:N0}). Save the data as CSV text and upload that file." : null;
    }

    /// <summary>The offset of the first byte that is not UTF-8; a sequence cut off by the end of an incomplete head is fine.</summary>
    private static int? FirstInvalidUtf8(ReadOnlySpan<byte> text, bool complete)
    {
        if (Utf8.IsValid(text))
        {
            return null;
        }

        var chars = ArrayPool<char>.Shared.Rent(text.Length + 1);
        try
        {
            var status = Utf8.ToUtf16(text, chars, out var bytesRead, out _, replaceInvalidSequences: false, isFinalBlock: complete);
            return status == System.Buffers.OperationStatus.InvalidData ? bytesRead : null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
