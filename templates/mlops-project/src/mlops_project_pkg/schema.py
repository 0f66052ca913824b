"""The data contract: which columns the model reads, their types and plausible ranges.

Data is checked against it before training, and the service's request models use the same ranges,
so a value the model never saw during training is refused with a message instead of a silent guess.
"""

from __future__ import annotations

import pandas as pd

TARGET = "malignant"
CLASS_LABELS = {0: "benign", 1: "malignant"}

# Lower and upper bounds are generous (about twice the observed maxima) so they reject nonsense
# such as negative sizes or swapped units, not rare but real tumours.
FEATURE_RANGES: dict[str, tuple[float, float]] = {
    "mean_radius": (0.0, 60.0),
    "mean_texture": (0.0, 80.0),
    "mean_perimeter": (0.0, 400.0),
    "mean_area": (0.0, 6000.0),
    "mean_smoothness": (0.0, 1.0),
    "mean_compactness": (0.0, 1.0),
    "mean_concavity": (0.0, 1.0),
    "mean_concave_points": (0.0, 1.0),
    "mean_symmetry": (0.0, 1.0),
    "mean_fractal_dimension": (0.0, 1.0),
}
FEATURES = list(FEATURE_RANGES)

# What one request to the service may hold: the body is refused (413) before it is parsed when it
# is larger than MAX_BODY_BYTES, which is ample for MAX_BATCH_SIZE records (about 300 bytes each).
MAX_BATCH_SIZE = 1000
MAX_BODY_BYTES = 1024 * 1024


def feature_value(name: str, value: object) -> float:
    """The value of feature `name` as sent in a request, or ValueError saying why it is refused.

    JSON numbers only: a string ("0.06") or a boolean (true) is never coerced to a number. The range
    comparison is exact for integers of any size (no float overflow) and false for NaN, so
    huge numbers, NaN and infinity are all refused by the bounds.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a JSON number")
    low, high = FEATURE_RANGES[name]
    if not low <= value <= high:
        shown = value if isinstance(value, float) or abs(value) < 10**15 else "a number of that size"
        raise ValueError(f"{shown} is outside [{low}, {high}]")
    return float(value)


def batch_records(value: object) -> list:
    """The records of a batch request, or ValueError; checked before any record is looked at."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_BATCH_SIZE:
        raise ValueError(f"must be a list of 1 to {MAX_BATCH_SIZE} records")
    return value


class DataValidationError(ValueError):
    """Raised with a message that names the offending column, row or value."""


def validate_frame(frame: pd.DataFrame, *, require_target: bool = True) -> pd.DataFrame:
    """Return the frame restricted to the contract's columns, or raise DataValidationError."""
    if frame.empty:
        raise DataValidationError("dataset is empty")
    expected = FEATURES + ([TARGET] if require_target else [])
    missing = [column for column in expected if column not in frame.columns]
    if missing:
        raise DataValidationError(f"missing column(s): {', '.join(missing)}")
    for column in FEATURES:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise DataValidationError(f"column {column!r} must be numeric, got {frame[column].dtype}")
        nulls = int(frame[column].isna().sum())
        if nulls:
            raise DataValidationError(f"column {column!r} has {nulls} missing value(s)")
        low, high = FEATURE_RANGES[column]
        outside = frame[(frame[column] < low) | (frame[column] > high)]
        if not outside.empty:
            row = outside.index[0]
            raise DataValidationError(f"column {column!r} row {row}: {outside.at[row, column]} outside [{low}, {high}]")
    if require_target:
        unknown = sorted(set(frame[TARGET].unique()) - set(CLASS_LABELS))
        if unknown:
            raise DataValidationError(f"column {TARGET!r} has unknown label(s): {unknown}")
    return frame[expected]
