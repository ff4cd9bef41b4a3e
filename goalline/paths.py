"""Where the project, its profile and its default files live."""

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROFILES_DIR = PROJECT_DIR / "profiles"
DEMO_LANDING_DIR = PROJECT_DIR / "demo" / "landing"
DEFAULT_DB_PATH = PROJECT_DIR / "target" / "goalline.duckdb"
LANDING_MODELS_YML = PROJECT_DIR / "models" / "landing" / "_landing__models.yml"
