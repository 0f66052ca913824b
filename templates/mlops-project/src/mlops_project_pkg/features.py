"""The scikit-learn pipeline: scaling and a logistic regression, configured from params.yaml."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mlops_project_pkg.schema import FEATURES


def build_pipeline(model_params: dict[str, Any]) -> Pipeline:
    return Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "classify",
                LogisticRegression(
                    C=model_params["C"],
                    max_iter=model_params["max_iter"],
                    class_weight=model_params.get("class_weight"),
                    random_state=model_params["random_state"],
                ),
            ),
        ]
    )


def to_matrix(frame: pd.DataFrame) -> np.ndarray:
    """Columns in contract order as a plain array: the model is fitted without feature names so
    that the service can predict from request values without building a DataFrame per call."""
    return frame[FEATURES].to_numpy(dtype=float)
