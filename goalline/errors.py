"""Errors as the one line a person reads: what failed and where, without engine boilerplate."""


def error_line(error: BaseException | str) -> str:
    """The first telling line, without a DuckDB kind prefix ("Invalid Input Error: ")."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    # DuckDB's CSV sniffer names no file ('Error when sniffing file ""'); its next line says why.
    if len(lines) > 1 and lines[0].endswith('sniffing file "".'):
        lines = lines[1:]
    line = lines[0] if lines else type(error).__name__
    kind, separator, message = line.partition(" Error: ")
    # Kinds are short ("Invalid Input", "IO", "Out of Memory"); a longer prefix is a message.
    return message if separator and len(kind.split()) <= 3 else line
