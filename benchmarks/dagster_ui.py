"""Driving the Dagster UI as an operator does: `goalline ui` and a headless Chromium (Playwright).

Shared by tests/test_dagster_ui.py and benchmarks/materialize_all.py:

- `goalline_ui`: `goalline ui` (dagster dev: webserver and daemon) on a free port, with a fresh
  DAGSTER_HOME, the landing folder, DuckDB file and first partition given; stopped with its whole
  session (webserver, daemon, code servers, run workers) on exit.
- `browser_page`: a page of the system Chromium (Debian's; Playwright's own browser download is
  not reachable here, `ensure_chromium` installs it with apt-get when missing) that dismisses the
  newsletter dialog the first visit shows.
- `launch_materialize_all`: the lineage page's "Materialize all" as one backfill, every partition
  shown (the last 90 days unless told to show all) or a typed selection; `finished_backfill` waits
  for it in the instance and returns its runs.
"""

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_LOCK = Path(tempfile.gettempdir()) / "goalline_chromium_install.lock"
GOALLINE = str(Path(sys.executable).parent / "goalline")
BACKFILL_TIMEOUT = 600


class ChromiumUnavailable(RuntimeError):
    """Chromium is missing and could not be installed."""


def ensure_chromium() -> Path:
    """Chromium, installed with apt-get when missing. Two test workers may both need it at once:
    the second waits on the lock and finds it installed (apt-get itself fails on a held lock),
    never a binary unpacked before its libraries."""
    with INSTALL_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not CHROMIUM.exists():
            install_chromium()
    return CHROMIUM


def install_chromium() -> None:
    if shutil.which("apt-get") is None:
        raise ChromiumUnavailable("chromium is missing and apt-get is not available to install it")
    install = subprocess.run(
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
        shell=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if install.returncode != 0 or not CHROMIUM.exists():
        raise ChromiumUnavailable(
            f"could not install chromium with apt-get: {install.stderr.strip()[-300:]}"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"goalline ui exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"goalline ui did not answer {url} within {timeout}s")


def mark_newsletter_seen(home: Path) -> None:
    """Record in DAGSTER_HOME that the newsletter dialog was dismissed, as its Skip button does.

    On a fresh home Dagster opens that dialog over whatever page is open, a second after the
    server answers its query: on a loaded machine that was after the launch dialog had opened,
    whose overlay then took every click meant for the dialog's Skip button. The file is the one
    dagster._core.nux.set_nux_seen writes (`shouldShowNux` is then false).
    """
    (home / ".nux").mkdir(parents=True, exist_ok=True)
    (home / ".nux" / "nux.yaml").write_text("seen: 1\n")


@contextmanager
def goalline_ui(
    home: Path, landing: Path, db: Path, partitions_start: str, log: Path
) -> Iterator[str]:
    """`goalline ui` as an operator starts it, answering at the URL yielded: it creates
    DAGSTER_HOME (queued runs, the DuckDB pool) and runs dagster dev, the webserver and the
    daemon; its output goes to log."""
    from orchestration.project import prepare_manifest

    prepare_manifest()
    mark_newsletter_seen(home)
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CONVERSIONS_LANDING_DIR": str(landing),
        "CONVERSIONS_DUCKDB_PATH": str(db),
        "GOALLINE_PARTITIONS_START": partitions_start,
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [GOALLINE, "ui", "--port", str(port)],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{url}/server_info", process)
            yield url
        finally:
            stop_session(process)


def stop_session(process: subprocess.Popen) -> None:
    """Stop dagster dev as Ctrl-C in its terminal does, then kill whatever of its session is
    left (webserver, daemon, code servers, run workers). Stopping takes a few seconds, but in CI
    dagster dev sometimes waited the full minute it gives its webserver; nothing of a throwaway
    DAGSTER_HOME needs that wait."""
    os.killpg(process.pid, signal.SIGINT)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextmanager
def browser_page(chromium: Path) -> Iterator[Any]:
    """A page of a headless Chromium, 1600x1000, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched.new_page(viewport={"width": 1600, "height": 1000})
        finally:
            launched.close()


def open_when_loaded(page: Any, url: str, text: str, timeout: float = 240) -> None:
    """Open url until text shows: the webserver answers before the code location has loaded."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.time() + timeout
    while True:
        page.goto(url, wait_until="networkidle")
        try:
            page.get_by_text(text, exact=True).first.wait_for(timeout=15_000)
        except PlaywrightTimeout:
            if time.time() > deadline:
                raise
            continue
        return


def launch_materialize_all(
    page: Any, ui_url: str, partitions: str | None, show_all_partitions: bool = False
) -> None:
    """The lineage page's "Materialize all", every partition or those typed as an operator would
    (`2026-01-05` or `[2026-01-01...2026-01-05]`), launched as a backfill.

    The dialog shows only the daily partitions of the last 90 days when there are older ones
    ("Showing the last 90 days ... older partitions are outside this range and won't be
    included"), and "All" selects those shown; show_all_partitions clicks "Show all partitions"
    first (it must be offered)."""
    open_when_loaded(page, f"{ui_url}/asset-groups", "Global asset lineage")
    # Enabled once the graph has loaded, labelled with the asset count: "Materialize all (69)...".
    materialize = page.get_by_role("button", name="Materialize all").first
    materialize.wait_for(timeout=180_000)
    materialize.click()
    dialog = page.get_by_role("dialog").filter(has_text="Launch runs to materialize")
    dialog.get_by_text("Partition selection").first.wait_for(timeout=60_000)
    if show_all_partitions:
        dialog.get_by_text("Show all partitions", exact=True).click(timeout=60_000)
    if partitions is None:
        dialog.get_by_role("button", name="All", exact=True).click()
    else:
        dialog.get_by_role("button", name="Custom", exact=True).click()
        field = dialog.locator("input[type=text]").first
        field.fill(partitions)
        field.press("Enter")
    launch = dialog.get_by_role("button", name="Launch backfill")
    launch.click()
    dialog.wait_for(state="detached", timeout=60_000)


def finished_backfill(
    home: Path, known: set[str], timeout: float = BACKFILL_TIMEOUT
) -> tuple[Any, list[Any], float]:
    """Waits for the one backfill not in known to end; returns it, its runs and its seconds
    (from the backfill's timestamp to the end of its last run)."""
    import dagster as dg
    from dagster._core.execution.backfill import BulkActionStatus
    from dagster._core.storage.dagster_run import RunsFilter

    ended = {
        BulkActionStatus.COMPLETED,
        BulkActionStatus.COMPLETED_SUCCESS,
        BulkActionStatus.COMPLETED_FAILED,
        BulkActionStatus.FAILED,
        BulkActionStatus.CANCELED,
    }
    deadline = time.time() + timeout
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while True:
            fresh = [b for b in instance.get_backfills() if b.backfill_id not in known]
            if fresh and fresh[0].status in ended:
                backfill = fresh[0]
                runs = instance.get_runs(RunsFilter.for_backfill(backfill.backfill_id))
                if all(run.is_finished for run in runs):
                    records = [instance.get_run_record_by_id(run.run_id) for run in runs]
                    last_end = max(record.end_time or 0 for record in records)
                    return backfill, runs, last_end - backfill.backfill_timestamp
            if time.time() >= deadline:
                raise AssertionError("the backfill did not finish")
            time.sleep(2)
