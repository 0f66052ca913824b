"""The gate: evaluate the candidate on held-out data, and promote it only if it passes.

    python -m mlops_project_pkg.evaluate [--candidate models/candidate]

Writes reports/evaluation.json and plot data, and adds the held-out metrics to the training run.
When ROC AUC reaches `evaluate.min_roc_auc` of params.yaml, the candidate is promoted atomically to
models/model.joblib and, with --publish (or MODEL_PUBLISH=1), published (model store, registry).
Otherwise it exits 1 and changes nothing that is served: no file, no store entry, no registry
version, no alias.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score, roc_curve

from mlops_project_pkg.config import Settings, load_params
from mlops_project_pkg.data import read_split
from mlops_project_pkg.features import to_matrix
from mlops_project_pkg.model import ModelBundle
from mlops_project_pkg.model_store import read_candidate
from mlops_project_pkg.promote import publish
from mlops_project_pkg.schema import CLASS_LABELS, TARGET
from mlops_project_pkg.tracking import get_tracker

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


def passes_gate(metrics: dict[str, Any], params: dict[str, Any]) -> bool:
    """The gate of params.yaml, logged when it refuses."""
    minimum = params["evaluate"]["min_roc_auc"]
    if metrics["roc_auc"] < minimum:
        log.error(
            "gate failed: roc_auc %.4f < evaluate.min_roc_auc %.4f; nothing promoted", metrics["roc_auc"], minimum
        )
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, help="parameters file (default: PARAMS_PATH or params.yaml)")
    parser.add_argument("--candidate", type=Path, help="candidate folder (default: CANDIDATE_DIR, models/candidate)")
    parser.add_argument(
        "--publish", action="store_true", help="publish a passing candidate (default: MODEL_PUBLISH, off)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    if args.publish:
        settings = replace(settings, publish=True)
    params = load_params(args.params or settings.params_path)
    candidate_dir = args.candidate or settings.candidate_dir
    bundle, manifest = read_candidate(candidate_dir)
    metrics, roc, confusion = evaluate(bundle, read_split(settings, "test"))
    reports = settings.reports_dir
    (reports / "plots").mkdir(parents=True, exist_ok=True)
    (reports / EVALUATION_FILE).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    roc.to_csv(reports / ROC_FILE, index=False)
    confusion.to_csv(reports / CONFUSION_FILE, index=False)
    get_tracker(settings).log_evaluation(manifest.get("run_id"), metrics)
    log.info("evaluation of candidate %s: %s", bundle.version, metrics)
    if not passes_gate(metrics, params):
        return 1
    publish(settings, bundle, candidate_dir, manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
