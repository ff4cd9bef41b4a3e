"""Writes one mart to a CSV or parquet file for people who want a file, not a database.

On Postgres and Spark the mart is copied into an in-memory DuckDB first, so every target writes
the file the same way.
"""

from pathlib import Path

from goalline.connections import duckdb_copy, relation_names
from goalline.targets import Target

FORMATS = {".csv": "(format csv, header true)", ".parquet": "(format parquet)"}


class ExportError(Exception):
    """The mart or the output file type is not known."""


def export_mart(db_path: Path, mart: str, out: Path, target: Target = Target.DUCKDB) -> int:
    """Copy marts.<mart> of the target to out (format from its suffix); return the rows written."""
    options = FORMATS.get(out.suffix.lower())
    if options is None:
        raise ExportError(f"cannot write {out}: use a .csv or .parquet file name")
    if target is Target.DUCKDB and not db_path.exists():
        raise ExportError(f"database {db_path} does not exist; run `goalline build` first")
    marts = relation_names(target, "marts", db_path)
    if mart not in marts:
        raise ExportError(f"no mart named {mart}; marts: {', '.join(sorted(marts))}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with duckdb_copy(target, db_path, [f"marts.{mart}"]) as connection:
        row = connection.execute(f"copy (select * from marts.{mart}) to '{out}' {options}")
        return int(row.fetchone()[0])
