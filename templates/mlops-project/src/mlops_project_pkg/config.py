"""Runtime settings from environment variables and training parameters from params.yaml.

Settings come from the environment so that a container, a Kubernetes ConfigMap or a CI job can
change paths and endpoints without touching the code; every default works in a fresh checkout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

APP_ENVIRONMENTS = ("dev", "prod")


@dataclass(frozen=True)
class Settings:
    app_env: str = "dev"
    data_dir: Path = Path("data")
    model_path: Path = Path("models/model.joblib")
    reports_dir: Path = Path("reports")
    params_path: Path = Path("params.yaml")
    tracking_dir: Path = Path("runs")
    mlflow_tracking_uri: str | None = None
    mlflow_experiment_name: str = "mlops-project-dns"
    registered_model_name: str = "mlops-project-dns"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        app_env = env.get("APP_ENV", "dev").strip().lower()
        if app_env not in APP_ENVIRONMENTS:
            raise ValueError(f"APP_ENV must be one of {', '.join(APP_ENVIRONMENTS)}, got {app_env!r}")
        # Experiment and registered model names carry the environment so that dev runs never
        # land next to production runs on a shared tracking server.
        experiment = env.get("MLFLOW_EXPERIMENT_NAME") or f"mlops-project-dns-{app_env}"
        return cls(
            app_env=app_env,
            data_dir=Path(env.get("DATA_DIR", "data")),
            model_path=Path(env.get("MODEL_PATH", "models/model.joblib")),
            reports_dir=Path(env.get("REPORTS_DIR", "reports")),
            params_path=Path(env.get("PARAMS_PATH", "params.yaml")),
            tracking_dir=Path(env.get("TRACKING_DIR", "runs")),
            mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI") or None,
            mlflow_experiment_name=experiment,
            registered_model_name=env.get("MLFLOW_REGISTERED_MODEL_NAME") or f"mlops-project-dns-{app_env}",
        )


def load_params(path: Path | str = "params.yaml") -> dict[str, Any]:
    """Read params.yaml, the one source of data and training parameters (DVC tracks the same keys)."""
    with open(path, encoding="utf-8") as handle:
        params = yaml.safe_load(handle) or {}
    missing = [section for section in ("data", "model", "evaluate") if section not in params]
    if missing:
        raise ValueError(f"{path}: missing section(s) {', '.join(missing)}")
    return params
