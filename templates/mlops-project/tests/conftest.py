"""Shared fixtures: one small pipeline run (ingest, prepare, train) in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mlops_project_pkg.config import Settings, load_params
from mlops_project_pkg.data import TEST_FILE, ingest, prepare
from mlops_project_pkg.model import ModelBundle
from mlops_project_pkg.train import train

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def params() -> dict:
    return load_params(ROOT / "params.yaml")


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    work = tmp_path_factory.mktemp("pipeline")
    return Settings(
        data_dir=work / "data",
        model_path=work / "models" / "model.joblib",
        reports_dir=work / "reports",
        params_path=ROOT / "params.yaml",
        tracking_dir=work / "runs",
    )


@pytest.fixture(scope="session")
def trained(settings: Settings, params: dict) -> ModelBundle:
    ingest(settings)
    prepare(settings, params)
    bundle, _ = train(settings, params)
    bundle.save(settings.model_path)
    return bundle


@pytest.fixture(scope="session")
def test_frame(trained: ModelBundle, settings: Settings) -> pd.DataFrame:
    return pd.read_csv(settings.processed_dir / TEST_FILE)
