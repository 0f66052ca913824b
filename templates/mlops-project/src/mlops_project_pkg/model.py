"""The model artifact: a fitted pipeline plus what the service reports about it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import joblib
import numpy as np
from sklearn.pipeline import Pipeline

from mlops_project_pkg import __version__
from mlops_project_pkg.schema import CLASS_LABELS, FEATURES


@dataclass
class ModelBundle:
    pipeline: Pipeline
    version: str
    threshold: float = 0.5
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    trained_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    package_version: str = __version__

    def predict(self, rows: Sequence[Sequence[float]] | np.ndarray) -> list[dict[str, Any]]:
        probabilities = self.pipeline.predict_proba(np.asarray(rows, dtype=float))[:, 1]
        return [
            {"label": CLASS_LABELS[int(p >= self.threshold)], "malignant_probability": round(float(p), 6)}
            for p in probabilities
        ]

    def metadata(self) -> dict[str, Any]:
        return {
            "model_version": self.version,
            "trained_at": self.trained_at,
            "package_version": self.package_version,
            "features": self.features,
            "threshold": self.threshold,
            "training_metrics": self.metrics,
        }

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)
        return path


def fingerprint(*parts: Any) -> str:
    """A version that changes exactly when the training data or parameters change."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:12]


def load_model(path: Path) -> ModelBundle:
    if not path.exists():
        raise FileNotFoundError(f"model {path} not found: run `python -m mlops_project_pkg.train` first")
    bundle = joblib.load(path)
    if not isinstance(bundle, ModelBundle):
        raise TypeError(f"{path} does not hold a {ModelBundle.__name__}")
    return bundle
