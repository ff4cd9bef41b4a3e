"""Errors as the one line a person reads: what failed and where, without engine boilerplate."""


def error_line(error: BaseException | str) -> str:
    """The first line, without a DuckDB kind prefix ("Invalid Input Error: ") or SQL excerpt."""
    line = (str(error).strip().splitlines() or [type(error).__name__])[0].strip()
    kind, separator, message = line.partition(" Error: ")
    # Kinds are short ("Invalid Input", "IO", "Out of Memory"); a longer prefix is a message.
    return message if separator and len(kind.split()) <= 3 else line
