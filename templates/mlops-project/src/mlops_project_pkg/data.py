"""Data steps: `ingest` writes the raw dataset, `prepare` validates it and splits train/test.

The raw data is scikit-learn's bundled Wisconsin breast cancer dataset (569 tumours), so no step
ever downloads anything. Replace `ingest` with your own source and keep the contract in schema.py.

    python -m mlops_project_pkg.data            # both steps
    python -m mlops_project_pkg.data ingest     # data/raw/breast_cancer.csv
    python -m mlops_project_pkg.data prepare    # data/processed/train.csv, test.csv
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from mlops_project_pkg.config import Settings, load_params
from mlops_project_pkg.schema import TARGET, validate_frame

log = logging.getLogger(__name__)

RAW_FILE = "breast_cancer.csv"
TRAIN_FILE = "train.csv"
TEST_FILE = "test.csv"


def load_source() -> pd.DataFrame:
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.rename(columns=lambda name: name.strip().replace(" ", "_"))
    # scikit-learn encodes 0 = malignant; the model predicts the finding that needs action.
    frame[TARGET] = 1 - frame.pop("target")
    return frame


def ingest(settings: Settings) -> Path:
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    path = settings.raw_dir / RAW_FILE
    load_source().to_csv(path, index=False)
    log.info("wrote %s", path)
    return path


def read_csv(path: Path, *, require_target: bool = True) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `python -m mlops_project_pkg.data` first")
    return validate_frame(pd.read_csv(path), require_target=require_target)


def prepare(settings: Settings, params: dict) -> tuple[Path, Path]:
    frame = read_csv(settings.raw_dir / RAW_FILE)
    data_params = params["data"]
    train, test = train_test_split(
        frame,
        test_size=data_params["test_size"],
        random_state=data_params["random_state"],
        stratify=frame[TARGET],
    )
    settings.processed_dir.mkdir(parents=True, exist_ok=True)
    train_path = settings.processed_dir / TRAIN_FILE
    test_path = settings.processed_dir / TEST_FILE
    train.to_csv(train_path, index=False)
    test.to_csv(test_path, index=False)
    log.info("wrote %s (%d rows) and %s (%d rows)", train_path, len(train), test_path, len(test))
    return train_path, test_path


def ensure_prepared(settings: Settings, params: dict) -> None:
    """Produce missing data so that a fresh container or Kubernetes Job can train on its own."""
    if not (settings.raw_dir / RAW_FILE).exists():
        ingest(settings)
    if not all((settings.processed_dir / name).exists() for name in (TRAIN_FILE, TEST_FILE)):
        prepare(settings, params)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", nargs="?", choices=("ingest", "prepare", "all"), default="all")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    if args.step in ("ingest", "all"):
        ingest(settings)
    if args.step in ("prepare", "all"):
        prepare(settings, load_params(settings.params_path))


if __name__ == "__main__":
    main()
