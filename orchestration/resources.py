"""The warehouse files a run works on, as a Dagster resource shared by dbt ops and checks."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration import settings


class Warehouse(dg.ConfigurableResource):
    """The landing folder dbt reads and the DuckDB file it builds."""

    landing_dir: str
    db_path: str

    @classmethod
    def from_env(cls) -> "Warehouse":
        return cls(landing_dir=str(settings.landing_dir()), db_path=str(settings.db_path()))

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def db(self) -> Path:
        return Path(self.db_path)

    @contextmanager
    def read_only(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection: readers never take DuckDB's single write lock."""
        if not self.db.is_file():
            raise dg.Failure(
                f"database {self.db} does not exist; build it first", allow_retries=False
            )
        connection = duckdb.connect(str(self.db), read_only=True)
        try:
            yield connection
        finally:
            connection.close()
