"""The model artifact: a fitted pipeline plus what the service reports about it."""

from __future__ import annotations

import hashlib
import json
import os
import pickle  # noqa: S403 - only to name its error type; bundles are loaded with joblib from trusted storage
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

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
    trained_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    package_version: str = __version__

    def probabilities(self, rows: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
        """Probability of the positive class ("malignant") for each row, in FEATURES order."""
        matrix = np.asarray(rows, dtype=float)
        if self._folded_linear is None:
            return self.pipeline.predict_proba(matrix)[:, 1]
        weights, bias = self._folded_linear
        return 1.0 / (1.0 + np.exp(-(matrix @ weights + bias)))

    @cached_property
    def _folded_linear(self) -> tuple[np.ndarray, float] | None:
        """The scaler folded into the logistic regression's weights: the same probabilities as
        predict_proba without scikit-learn's per-call input checks, which dominate the latency of
        one-record requests. Any other pipeline (change it in features.py) goes through predict_proba."""
        steps = [step for _, step in self.pipeline.steps]
        if len(steps) != 2 or not isinstance(steps[0], StandardScaler) or not isinstance(steps[1], LogisticRegression):
            return None
        scaler, classifier = steps
        if classifier.coef_.shape[0] != 1:
            return None
        mean = scaler.mean_ if scaler.mean_ is not None else 0.0
        scale = scaler.scale_ if scaler.scale_ is not None else 1.0
        weights = classifier.coef_[0] / scale
        return weights, float(classifier.intercept_[0] - np.dot(weights, mean))

    def predict(self, rows: Sequence[Sequence[float]] | np.ndarray) -> list[dict[str, Any]]:
        probabilities = self.probabilities(rows)
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
        """Write-then-rename: a reader (the service, a restarting pod) sees the old file or the new one,
        never half of one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                joblib.dump(self, file)
                file.flush()
                os.fsync(file.fileno())
            # mkstemp creates 0600: the image's user (10001) must read a model mounted from the host.
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path


def fingerprint(*parts: Any) -> str:
    """A content hash: the same inputs give the same version, whenever and wherever they are trained."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:12]


# The code that decides what a trained model is; a change to any of it is a new model version.
# (Tracking, serving and publishing code can change without retraining.)
TRAINING_SOURCES = ("__init__.py", "config.py", "data.py", "features.py", "model.py", "schema.py", "train.py")


def code_fingerprint() -> str:
    """Hash of the training code of this package (TRAINING_SOURCES)."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in TRAINING_SOURCES:
        digest.update(name.encode())
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:12]


def load_model(path: Path) -> ModelBundle:
    if not path.exists():
        raise FileNotFoundError(f"model {path} not found: run `python -m mlops_project_pkg.train` first")
    try:
        bundle = joblib.load(path)
    except (EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, KeyError) as error:
        # A truncated or foreign file: one error type for callers (the service stays not ready).
        raise ValueError(f"{path} is not a readable model bundle: {error!r}") from error
    if not isinstance(bundle, ModelBundle):
        raise TypeError(f"{path} does not hold a {ModelBundle.__name__}")
    return bundle
