"""Evaluate the trained model on held-out data: reports/evaluation.json and plot data.

    python -m mlops_project_pkg.evaluate

Exits non-zero when ROC AUC is below `evaluate.min_roc_auc` in params.yaml, so a pipeline
(DVC or CI) stops before a worse model is pushed or deployed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score, roc_curve

from mlops_project_pkg.config import Settings, load_params
from mlops_project_pkg.data import TEST_FILE, read_csv
from mlops_project_pkg.features import to_matrix
from mlops_project_pkg.model import ModelBundle, load_model
from mlops_project_pkg.schema import CLASS_LABELS, TARGET

log = logging.getLogger(__name__)

EVALUATION_FILE = "evaluation.json"
ROC_FILE = "plots/roc_curve.csv"
CONFUSION_FILE = "plots/confusion.csv"


def evaluate(bundle: ModelBundle, frame: pd.DataFrame) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    probabilities = bundle.pipeline.predict_proba(to_matrix(frame))[:, 1]
    predicted = (probabilities >= bundle.threshold).astype(int)
    actual = frame[TARGET].to_numpy()
    metrics = {
        "model_version": bundle.version,
        "test_rows": int(len(frame)),
        "accuracy": round(float(accuracy_score(actual, predicted)), 6),
        "precision": round(float(precision_score(actual, predicted, zero_division=0)), 6),
        "recall": round(float(recall_score(actual, predicted, zero_division=0)), 6),
        "f1": round(float(f1_score(actual, predicted, zero_division=0)), 6),
        "roc_auc": round(float(roc_auc_score(actual, probabilities)), 6),
    }
    fpr, tpr, thresholds = roc_curve(actual, probabilities)
    roc = pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": thresholds}).round(6)
    confusion = pd.DataFrame(
        {
            "actual": [CLASS_LABELS[int(value)] for value in actual],
            "predicted": [CLASS_LABELS[int(value)] for value in predicted],
        }
    )
    return metrics, roc, confusion


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, help="parameters file (default: PARAMS_PATH or params.yaml)")
    parser.add_argument("--model", type=Path, help="model file (default: MODEL_PATH)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    params = load_params(args.params or settings.params_path)
    bundle = load_model(args.model or settings.model_path)
    metrics, roc, confusion = evaluate(bundle, read_csv(settings.processed_dir / TEST_FILE))
    reports = settings.reports_dir
    (reports / "plots").mkdir(parents=True, exist_ok=True)
    (reports / EVALUATION_FILE).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    roc.to_csv(reports / ROC_FILE, index=False)
    confusion.to_csv(reports / CONFUSION_FILE, index=False)
    log.info("evaluation of model %s: %s", bundle.version, metrics)
    minimum = params["evaluate"]["min_roc_auc"]
    if metrics["roc_auc"] < minimum:
        log.error("roc_auc %.4f is below evaluate.min_roc_auc %.4f", metrics["roc_auc"], minimum)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
