"""Batch prediction: score a CSV of records with the trained model.

python -m mlops_project_pkg.predict --input data/processed/test.csv --output predictions.csv
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd

from mlops_project_pkg.config import Settings
from mlops_project_pkg.data import read_csv
from mlops_project_pkg.features import to_matrix
from mlops_project_pkg.model import ModelBundle, load_model

log = logging.getLogger(__name__)


def predict_frame(bundle: ModelBundle, frame: pd.DataFrame) -> pd.DataFrame:
    predictions = pd.DataFrame(bundle.predict(to_matrix(frame)), index=frame.index)
    return pd.concat([frame, predictions], axis=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, required=True, help="CSV with the feature columns of schema.py")
    parser.add_argument("--output", type=Path, required=True, help="CSV to write: input columns + predictions")
    parser.add_argument("--model", type=Path, help="model file (default: MODEL_PATH)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    bundle = load_model(args.model or Settings.from_env().model_path)
    scored = predict_frame(bundle, read_csv(args.input, require_target=False))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    scored.to_csv(args.output, index=False)
    log.info("model %s scored %d record(s) -> %s", bundle.version, len(scored), args.output)


if __name__ == "__main__":
    main()
