"""Batch prediction: score a CSV of records with the model MODEL_URI names.

python -m mlops_project_pkg.predict --input data/processed/test.csv --output predictions.csv

Every input column comes out unchanged, as text (IDs keep their leading zeros), followed by the
prediction. A row that cannot be scored (a missing, non-numeric or out-of-range feature) stays in the
output with an empty prediction and the reason in `error`, and is named in the log.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from mlops_project_pkg.config import Settings
from mlops_project_pkg.model import ModelBundle, load_model
from mlops_project_pkg.model_uri import fetch_model
from mlops_project_pkg.schema import FEATURE_RANGES, FEATURES, DataValidationError

log = logging.getLogger(__name__)

PREDICTION_COLUMNS = ["label", "malignant_probability", "error"]


def row_errors(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The features as numbers, and per row the first problem that stops it from being scored ("" if none)."""
    values = pd.DataFrame(index=frame.index)
    errors = pd.Series("", index=frame.index, dtype=object)
    for column in FEATURES:
        numbers = pd.to_numeric(frame[column].replace("", np.nan), errors="coerce").astype(float)
        low, high = FEATURE_RANGES[column]
        unreadable = numbers.isna() | ~np.isfinite(numbers)
        outside = ~unreadable & ((numbers < low) | (numbers > high))
        first = errors == ""
        errors[first & unreadable] = f"{column}: missing or not a number"
        rejected = frame[column][first & outside]
        errors[rejected.index] = [f"{column}={value} outside [{low}, {high}]" for value in rejected]
        values[column] = numbers
    return values, errors


def predict_frame(bundle: ModelBundle, frame: pd.DataFrame) -> pd.DataFrame:
    """The input frame, every column kept, with label, malignant_probability and error appended."""
    if frame.empty:
        raise DataValidationError("no records to score")
    missing = [column for column in FEATURES if column not in frame.columns]
    if missing:
        raise DataValidationError(f"missing column(s): {', '.join(missing)}")
    clashing = [column for column in PREDICTION_COLUMNS if column in frame.columns]
    if clashing:
        raise DataValidationError(f"input already has column(s) {', '.join(clashing)}: rename them")
    values, errors = row_errors(frame)
    scorable = errors == ""
    predictions = pd.DataFrame(index=frame.index, columns=PREDICTION_COLUMNS[:2], dtype=object)
    if scorable.any():
        scored = pd.DataFrame(bundle.predict(values.loc[scorable, FEATURES].to_numpy()), index=frame.index[scorable])
        predictions.loc[scorable, PREDICTION_COLUMNS[:2]] = scored[PREDICTION_COLUMNS[:2]].to_numpy()
    return pd.concat([frame, predictions.assign(error=errors)], axis=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, required=True, help="CSV with the feature columns of schema.py")
    parser.add_argument("--output", type=Path, required=True, help="CSV to write: input columns + predictions")
    parser.add_argument("--model", help="model file or URI (default: MODEL_URI, else models/model.joblib)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    path, _ = fetch_model(args.model or settings.model_source, settings)
    bundle = load_model(path)
    if not args.input.exists():
        raise FileNotFoundError(f"{args.input} not found")
    # Text in, text out: IDs and any other column are written back exactly as they were read.
    frame = pd.read_csv(args.input, dtype=str, keep_default_na=False)
    scored = predict_frame(bundle, frame)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    scored.to_csv(args.output, index=False)
    rejected = scored.index[scored["error"] != ""]
    for row in rejected:
        # Line numbers of the input file: the header is line 1.
        log.warning("line %d not scored: %s", row + 2, scored.at[row, "error"])
    log.info(
        "model %s scored %d of %d record(s) -> %s",
        bundle.version,
        len(scored) - len(rejected),
        len(scored),
        args.output,
    )


if __name__ == "__main__":
    main()
