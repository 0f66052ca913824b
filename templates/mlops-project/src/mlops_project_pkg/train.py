"""Train the classifier: data/processed/train.csv -> the candidate models/candidate/ + reports/metrics.json.

python -m mlops_project_pkg.train [--params params.yaml]

Training never touches the served model (models/model.joblib, the store, the registry): only the gate,
`python -m mlops_project_pkg.evaluate`, promotes a candidate that passes.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_validate

from mlops_project_pkg.config import Settings, load_params
from mlops_project_pkg.data import ensure_prepared, read_split
from mlops_project_pkg.features import build_pipeline, to_matrix
from mlops_project_pkg.model import ModelBundle, code_fingerprint, fingerprint
from mlops_project_pkg.model_store import MODEL_FILE, write_candidate
from mlops_project_pkg.schema import TARGET
from mlops_project_pkg.tracking import get_tracker

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
CV_SCORES = ("accuracy", "roc_auc", "f1")


def train(settings: Settings, params: dict[str, Any]) -> tuple[ModelBundle, dict[str, float]]:
    frame = read_split(settings, "train")
    if (params.get("feedback") or {}).get("include"):
        # --store: predictions that received their true label (POST /feedback) join the training data.
        from mlops_project_pkg.store.training import with_feedback

        frame = with_feedback(frame)
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
        # Data, parameters and code: the same three give the same version, on any machine, at any time.
        version=fingerprint(params, frame.to_csv(index=False), code_fingerprint()),
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
        example = read_split(settings, "train").head(3)[bundle.features]
        with tempfile.TemporaryDirectory() as scratch:
            model_uri = tracker.log_model(bundle, example, bundle.save(Path(scratch) / MODEL_FILE))
        manifest = {
            "model_version": bundle.version,
            "run_id": tracker.run_id,
            "model_uri": model_uri,
            "metrics": metrics,
        }
        write_candidate(bundle, settings.candidate_dir, manifest)
    log.info(
        "candidate %s -> %s, metrics -> %s", bundle.version, settings.candidate_dir, write_metrics(settings, metrics)
    )


if __name__ == "__main__":
    main()
