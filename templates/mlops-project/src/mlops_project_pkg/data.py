"""Data steps: `ingest` writes the raw dataset, `prepare` validates it and splits train/test.

The raw data is scikit-learn's bundled Wisconsin breast cancer dataset (569 tumours), so no step
ever downloads anything. Replace `ingest` with your own source and keep the contract in schema.py.
The split is a function of each row's key (see `split_mask`), so that a Spark or Hive prepare step
(docs/data.md) writes exactly the rows this one writes. With DATA_URI set, ingest also writes the raw
file to the data lake and training reads the Parquet splits such a step wrote there.

    python -m mlops_project_pkg.data            # both steps
    python -m mlops_project_pkg.data ingest     # data/raw/breast_cancer.csv
    python -m mlops_project_pkg.data prepare    # data/processed/train.csv, test.csv
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import math
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_breast_cancer

from mlops_project_pkg.config import Settings, load_params
from mlops_project_pkg.schema import COLUMN_TYPES, KEY, TARGET, validate_frame

log = logging.getLogger(__name__)

RAW_FILE = "breast_cancer.csv"
TRAIN_FILE = "train.csv"
TEST_FILE = "test.csv"
SPLITS = ("train", "test")


def load_source() -> pd.DataFrame:
    """The raw zone's rows: the contract's columns in its order, keyed by the source's row number."""
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.rename(columns=lambda name: name.strip().replace(" ", "_"))
    # scikit-learn encodes 0 = malignant; the model predicts the finding that needs action.
    frame[TARGET] = 1 - frame.pop("target")
    frame[KEY] = range(len(frame))
    return frame[list(COLUMN_TYPES)]


def ingest(settings: Settings) -> Path:
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    path = settings.raw_dir / RAW_FILE
    frame = load_source()
    frame.to_csv(path, index=False)
    log.info("wrote %s", path)
    if settings.data_uri:
        target = f"{settings.data_uri}/raw/{RAW_FILE}"
        if "://" in target:
            import fsspec  # the store extra: only an object store needs it

            with fsspec.open(target, "w", newline="", **lake_options(target)) as handle:
                frame.to_csv(handle, index=False)
        else:  # a folder: --cloud local, CI's, a Databricks volume
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(target, index=False)
        log.info("wrote %s", target)
    return path


def lake_options(uri: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """fsspec options for the data lake: adlfs (abfs://) names the storage account of cloud.env."""
    env = os.environ if environ is None else environ
    account = env.get("AZURE_STORAGE_ACCOUNT_NAME") or env.get("AZURE_STORAGE_ACCOUNT")
    return {"account_name": account} if uri.startswith(("abfs://", "az://")) and account else {}


def hadoop_uri(uri: str, environ: Mapping[str, str] | None = None) -> str:
    """The Hadoop file system URI (what Spark and Hive read) of a DATA_URI in fsspec's terms: s3:// is
    S3A, abfs://container/path is ABFS over TLS in the storage account AZURE_STORAGE_ACCOUNT (cloud.env; in the
    cluster AZURE_STORAGE_ACCOUNT_NAME, which k8s/deploy.sh sets for adlfs), gs:// and folders stay as they are."""
    env = os.environ if environ is None else environ
    if uri.startswith("s3://"):
        return "s3a://" + uri.removeprefix("s3://")
    if uri.startswith(("abfs://", "az://")):
        container, _, path = uri.split("://", 1)[1].partition("/")
        if "@" in container:
            return f"abfss://{container}/{path}"
        account = env.get("AZURE_STORAGE_ACCOUNT") or env.get("AZURE_STORAGE_ACCOUNT_NAME")
        if not account:
            raise ValueError(f"{uri}: set AZURE_STORAGE_ACCOUNT (cloud.env) to name the storage account")
        return f"abfss://{container}@{account}.dfs.core.windows.net/{path}"
    return uri


def split_mask(frame: pd.DataFrame, test_size: float, random_state: int) -> pd.Series:
    """True for the rows of the test split: per class, the rows whose md5("<random_state>:<key>") sorts
    first, floor(rows * test_size + 0.5) of them (ties by key). Stratified and reproducible, and written
    the same way in the Spark and HiveQL prepare steps, so every engine puts each row in the same split.
    """

    def digest_of(key: object) -> str:
        return hashlib.md5(f"{random_state}:{key}".encode(), usedforsecurity=False).hexdigest()

    digest = frame[KEY].map(digest_of)
    ordered = frame[[KEY, TARGET]].assign(digest=digest).sort_values([TARGET, "digest", KEY])
    rank = ordered.groupby(TARGET).cumcount() + 1
    rows = ordered.groupby(TARGET)[KEY].transform("count")
    quota = rows.map(lambda n: math.floor(n * float(test_size) + 0.5))
    return (rank <= quota).reindex(frame.index)


def read_csv(path: Path, *, require_target: bool = True, require_key: bool = False) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `python -m mlops_project_pkg.data` first")
    return validate_frame(pd.read_csv(path), require_target=require_target, require_key=require_key)


def read_split(settings: Settings, split: str) -> pd.DataFrame:
    """One prepared split: data/processed/<split>.csv, or with DATA_URI the Parquet files the Spark or
    Hive prepare step wrote to <DATA_URI>/processed/split=<split>/ (pyarrow, fsspec)."""
    if not settings.data_uri:
        return read_csv(settings.processed_dir / {"train": TRAIN_FILE, "test": TEST_FILE}[split])
    location = f"{settings.data_uri}/processed/split={split}"
    missing = f"{location} not found: run the prepare stage (`make prepare`) first"
    if "://" not in location and not Path(location).is_dir():
        raise FileNotFoundError(missing)  # a folder lake: said before any Parquet engine is needed
    try:
        frame = pd.read_parquet(location, storage_options=lake_options(location) or None)
    except FileNotFoundError as error:
        raise FileNotFoundError(missing) from error
    return validate_frame(frame)


def prepare(settings: Settings, params: dict) -> tuple[Path, Path]:
    frame = read_csv(settings.raw_dir / RAW_FILE, require_key=True)
    data_params = params["data"]
    is_test = split_mask(frame, data_params["test_size"], data_params["random_state"])
    train, test = frame[~is_test], frame[is_test]
    settings.processed_dir.mkdir(parents=True, exist_ok=True)
    train_path = settings.processed_dir / TRAIN_FILE
    test_path = settings.processed_dir / TEST_FILE
    train.to_csv(train_path, index=False)
    test.to_csv(test_path, index=False)
    log.info("wrote %s (%d rows) and %s (%d rows)", train_path, len(train), test_path, len(test))
    return train_path, test_path


def ensure_prepared(settings: Settings, params: dict) -> None:
    """Produce missing data so that a fresh container or Kubernetes Job can train on its own.

    Not with a data lake (DATA_URI): there the prepare stage of the pipeline writes the splits."""
    if settings.data_uri:
        return
    if not (settings.raw_dir / RAW_FILE).exists():
        ingest(settings)
    if not all((settings.processed_dir / name).exists() for name in (TRAIN_FILE, TEST_FILE)):
        prepare(settings, params)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", nargs="?", choices=("ingest", "prepare", "all", "lake-uri"), default="all")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    if args.step == "lake-uri":
        # What hive/prepare.sh gives HiveQL as the tables' location.
        print(hadoop_uri(settings.data_uri or ""))
        return
    if args.step in ("ingest", "all"):
        ingest(settings)
    if args.step in ("prepare", "all"):
        prepare(settings, load_params(settings.params_path))


if __name__ == "__main__":
    main()
