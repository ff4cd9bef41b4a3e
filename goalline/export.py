"""Writes one mart to a CSV or parquet file for people who want a file, not a database."""

from pathlib import Path

import duckdb

FORMATS = {".csv": "(format csv, header true)", ".parquet": "(format parquet)"}


class ExportError(Exception):
    """The mart or the output file type is not known."""


def export_mart(db_path: Path, mart: str, out: Path) -> int:
    """Copy marts.<mart> to out (format from its suffix); return the rows written."""
    options = FORMATS.get(out.suffix.lower())
    if options is None:
        raise ExportError(f"cannot write {out}: use a .csv or .parquet file name")
    if not db_path.exists():
        raise ExportError(f"database {db_path} does not exist; run `goalline build` first")
    with duckdb.connect(str(db_path), read_only=True) as connection:
        marts = {
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        if mart not in marts:
            raise ExportError(f"no mart named {mart}; marts: {', '.join(sorted(marts))}")
        out.parent.mkdir(parents=True, exist_ok=True)
        connection.execute(f"copy (select * from marts.{mart}) to '{out}' {options}")
        return connection.execute(f"select count(*) from marts.{mart}").fetchone()[0]
