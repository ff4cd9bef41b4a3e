"""The Dagster UI really serves the code location: a headless Chromium (Playwright) opens the asset
graph and the checks of marts/fct_conversions on a dagster-webserver bound to 127.0.0.1.

Chromium comes from Debian (`apt-get install chromium`): Playwright's own browser download is not
reachable here. The test installs it when missing and skips, saying why, only if that fails.
Screenshots go to tests/artifacts/ (gitignored).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") is None:
        pytest.skip("chromium is missing and apt-get is not available to install it")
    install = subprocess.run(
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
        shell=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if install.returncode != 0 or not CHROMIUM.exists():
        pytest.skip(f"could not install chromium with apt-get: {install.stderr.strip()[-300:]}")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"dagster-webserver exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"dagster-webserver did not answer {url} within {timeout}s")


@pytest.fixture(scope="module")
def chromium() -> Path:
    return ensure_chromium()


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from orchestration.home import ensure_home
    from orchestration.project import parse_manifest

    parse_manifest()
    workdir = tmp_path_factory.mktemp("ui")
    home = ensure_home(workdir / "dagster_home")
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CONVERSIONS_LANDING_DIR": str(workdir / "landing"),
        "CONVERSIONS_DUCKDB_PATH": str(workdir / "ui.duckdb"),
    }
    log = (workdir / "webserver.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster_webserver",
            "-m",
            "orchestration",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/server_info", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def open_when_loaded(page, url: str, text: str, timeout: float = 180) -> None:
    """Open url until text shows: the webserver answers before the code location has loaded."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.time() + timeout
    while True:
        page.goto(url, wait_until="networkidle")
        skip = page.get_by_role("button", name="Skip")
        try:
            page.get_by_text(text, exact=True).first.wait_for(timeout=15_000)
        except PlaywrightTimeout:
            if time.time() > deadline:
                raise
            continue
        if skip.count():
            # The first visit shows a newsletter dialog over the page.
            skip.first.click()
        return


def test_the_ui_renders_the_asset_graph_and_the_checks_of_fct_conversions(
    chromium: Path, webserver: str
) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            open_when_loaded(
                page,
                f"{webserver}/locations/orchestration/asset-groups/marts/lineage",
                "fct_conversions",
            )
            # The graph draws only the nodes in view; fct_conversions is centred with its checks.
            page.get_by_text("Asset checks").first.wait_for(timeout=30_000)
            # Check counts arrive in a second query, e.g. "0 / 13 Passed" before any run.
            page.get_by_text(re.compile(r"\d+ / \d+ Passed")).first.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "asset_graph_marts.png"))

            open_when_loaded(
                page, f"{webserver}/assets/marts/fct_conversions?view=checks", "gx_credit"
            )
            for check in (
                "gx_windows",
                "gx_no_retroactive_conversions",
                "unique_fct_conversions_journey_id",
            ):
                # Long names are drawn middle-truncated; the full name is in the row's DOM.
                page.get_by_text(check, exact=True).first.wait_for(state="attached", timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "fct_conversions_checks.png"))
        finally:
            browser.close()
    assert (ARTIFACTS / "asset_graph_marts.png").stat().st_size > 0
    assert (ARTIFACTS / "fct_conversions_checks.png").stat().st_size > 0
