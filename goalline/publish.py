"""Writers of the DuckDB file work on a private copy and publish it with one atomic rename.

DuckDB allows one writing process per file, and a reader (a BI tool, a notebook) that holds the
file open read-only keeps every writer out. So nothing writes `PATH` in place: a build (or the
conversion history of `goalline check`) takes an exclusive lock next to the file, copies `PATH`
into a private folder beside it (incremental builds need its state), writes the copy, and on
success renames the copy over `PATH`. A reader that opened `PATH` before keeps the old file (its
inode) and a consistent old snapshot; a new connection sees the new one. On any failure, or a
kill, `PATH` is untouched; the next writer removes what a killed one left behind.

The copy keeps the file name: DuckDB names the catalog after the file stem and dbt qualifies
relations with it.
"""

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

WAIT_ENV = "GOALLINE_LOCK_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 600.0


class WarehouseBusy(Exception):
    """Another writer held the database for longer than the wait allowed; one line."""


def lock_path(db_path: Path) -> Path:
    return db_path.parent / f".{db_path.name}.lock"


def work_dir(db_path: Path) -> Path:
    """The private folder of the writer holding the lock.

    One fixed name (not per process): the lock makes it private, a killed writer's leftovers are
    found by the next one, and dbt sees the same profile path on every build (partial parsing).
    """
    return db_path.parent / f".{db_path.name}.build"


def wal_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".wal")


def wait_seconds_from_env() -> float:
    value = os.environ.get(WAIT_ENV)
    return float(value) if value else DEFAULT_WAIT_SECONDS


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def exclusive(
    db_path: Path,
    wait_seconds: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the writers' lock of db_path; wait up to wait_seconds for another writer to finish.

    on_wait (default: stderr) hears once that the lock is taken; wait_seconds defaults to
    GOALLINE_LOCK_WAIT_SECONDS, else 600. An OS file lock (flock): a killed holder releases it
    with its process, so it never goes stale.
    """
    seconds = wait_seconds_from_env() if wait_seconds is None else wait_seconds
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(db_path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        tell = on_wait or _to_stderr
        tell(f"waiting for another build of {db_path} to finish (up to {seconds:g} s) ...")
        try:
            lock.acquire(timeout=seconds)
        except Timeout:
            raise WarehouseBusy(
                f"another build of {db_path} is still running after {seconds:g} s; "
                f"try again later (wait longer with --wait-seconds or {WAIT_ENV})"
            ) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def working_copy(db_path: Path) -> Iterator[Path]:
    """A private copy of db_path to write; published over db_path if the block ends normally.

    Call under `exclusive(db_path)`, with every connection to the copy closed when the block
    ends. An exception (or KeyboardInterrupt) discards the copy and leaves db_path as it was.
    """
    folder = work_dir(db_path)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    copy = folder / db_path.name
    try:
        if db_path.exists():
            shutil.copyfile(db_path, copy)
            # Left by a writer that crashed outside goalline: replayed when the copy is opened.
            if wal_path(db_path).exists():
                shutil.copyfile(wal_path(db_path), wal_path(copy))
        yield copy
        _publish(copy, db_path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _publish(copy: Path, db_path: Path) -> None:
    if not copy.exists():
        return
    if wal_path(copy).exists():
        # A closed DuckDB database checkpoints on close; a WAL left means a writer did not close
        # cleanly. Fold it in: the published file must be complete on its own.
        with duckdb.connect(str(copy)) as connection:
            connection.execute("checkpoint")
    with copy.open("rb") as handle:
        os.fsync(handle.fileno())
    # An old WAL would be replayed against the new file by the next connection.
    wal_path(db_path).unlink(missing_ok=True)
    os.replace(copy, db_path)
    directory = os.open(db_path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@contextmanager
def writing(
    db_path: Path,
    wait_seconds: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[Path]:
    """The lock and a working copy together: write the yielded path; published on success."""
    with exclusive(db_path, wait_seconds, on_wait), working_copy(db_path) as copy:
        yield copy
