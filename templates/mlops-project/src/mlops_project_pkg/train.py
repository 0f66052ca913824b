"""Train the classifier: data/processed/train.csv -> models/model.joblib + reports/metrics.json.

python -m mlops_project_pkg.train [--params params.yaml]
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_validate

from mlops_project_pkg.config import Settings, load_params
from mlops_project_pkg.data import TRAIN_FILE, ensure_prepared, read_csv
from mlops_project_pkg.features import build_pipeline, to_matrix
from mlops_project_pkg.model import ModelBundle, fingerprint
from mlops_project_pkg.schema import TARGET
from mlops_project_pkg.tracking import get_tracker

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
CV_SCORES = ("accuracy", "roc_auc", "f1")


def train(settings: Settings, params: dict[str, Any]) -> tuple[ModelBundle, dict[str, float]]:
    frame = read_csv(settings.processed_dir / TRAIN_FILE)
    features, target = to_matrix(frame), frame[TARGET].to_numpy()
    model_params = params["model"]
    pipeline = build_pipeline(model_params)
    folds = StratifiedKFold(n_splits=model_params["cv_folds"], shuffle=True, random_state=model_params["random_state"])
    scores = cross_validate(pipeline, features, target, cv=folds, scoring=CV_SCORES)
    metrics = {f"cv_{name}": round(float(np.mean(scores[f"test_{name}"])), 6) for name in CV_SCORES}
    metrics["train_rows"] = int(len(frame))
    pipeline.fit(features, target)
    bundle = ModelBundle(
        pipeline=pipeline,
        version=fingerprint(params, frame.to_csv(index=False)),
        threshold=params["evaluate"]["threshold"],
        metrics=metrics,
        params=params,
    )
    return bundle, metrics


def write_metrics(settings: Settings, metrics: dict[str, float]) -> Path:
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    path = settings.reports_dir / METRICS_FILE
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, help="parameters file (default: PARAMS_PATH or params.yaml)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    params = load_params(args.params or settings.params_path)
    ensure_prepared(settings, params)
    tracker = get_tracker(settings)
    with tracker.run("train"):
        tracker.log_params(params)
        bundle, metrics = train(settings, params)
        tracker.log_metrics(metrics)
        bundle.save(settings.model_path)
        example = to_matrix(read_csv(settings.processed_dir / TRAIN_FILE).head(3))
        tracker.log_model(bundle, example)
    log.info("model %s -> %s, metrics -> %s", bundle.version, settings.model_path, write_metrics(settings, metrics))


if __name__ == "__main__":
    main()
