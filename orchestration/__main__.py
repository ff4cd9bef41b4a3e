"""`python -m orchestration [PORT]`: the Dagster UI on 127.0.0.1 with the project's DAGSTER_HOME."""

import sys

from orchestration.home import run_ui

if __name__ == "__main__":
    run_ui(port=int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
