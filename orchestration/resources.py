"""The warehouse a run works on, as a Dagster resource shared by dbt ops and checks."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from goalline.connections import duckdb_copy
from goalline.publish import writing
from goalline.targets import Target
from orchestration import settings


class Warehouse(dg.ConfigurableResource):
    """The landing folder dbt reads, the target it builds on and the DuckDB file (target duckdb)."""

    landing_dir: str
    db_path: str
    target: str = Target.DUCKDB.value

    @classmethod
    def from_env(cls) -> "Warehouse":
        return cls(
            landing_dir=str(settings.landing_dir()),
            db_path=str(settings.db_path()),
            target=settings.target().value,
        )

    @property
    def engine(self) -> Target:
        return Target(self.target)

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def db(self) -> Path:
        return Path(self.db_path)

    def require_built(self) -> None:
        """Fail the step, without retries, while the DuckDB file has not been built."""
        if self.engine is Target.DUCKDB and not self.db.is_file():
            raise dg.Failure(
                f"database {self.db} does not exist; build it first", allow_retries=False
            )

    @contextmanager
    def read_only(self, relations: Iterable[str] = ()) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection for reading: the file read-only (readers never take DuckDB's single
        write lock), or on Postgres and Spark an in-memory copy of the relations named."""
        self.require_built()
        with duckdb_copy(self.engine, self.db, relations) as connection:
            yield connection

    @contextmanager
    def writing(self, log: dg.DagsterLogManager) -> Iterator[Path]:
        """The DuckDB file to write: a working copy under the writers' lock the CLI takes too,
        published over the file when the block ends normally (goalline.publish). A CLI build in
        progress is waited for (GOALLINE_LOCK_WAIT_SECONDS); past that, WarehouseBusy fails the
        step and its retry policy tries again. Other targets: the file only names dbt's artifacts.
        """
        if self.engine is not Target.DUCKDB:
            yield self.db
            return
        with writing(self.db, on_wait=log.info) as working_db:
            yield working_db
