"""Batch prediction keeps every input column and names the rows it could not score."""

import pandas as pd
import pytest

from mlops_project_pkg import predict
from mlops_project_pkg.predict import predict_frame
from mlops_project_pkg.schema import FEATURES, DataValidationError


@pytest.fixture()
def records(test_frame):
    frame = test_frame[FEATURES].head(4).astype(str)
    frame.insert(0, "patient_id", ["007", "010", "0042", "x-9"])
    frame["clinic"] = ["north", "south", "", "east"]
    return frame


def test_every_input_column_comes_out_unchanged_before_the_prediction(trained, records):
    scored = predict_frame(trained, records)
    assert list(scored.columns) == [*records.columns, "label", "malignant_probability", "error"]
    pd.testing.assert_frame_equal(scored[records.columns], records)
    assert (scored["error"] == "").all()
    assert scored["malignant_probability"].between(0, 1).all()


def test_a_row_that_cannot_be_scored_is_kept_and_named(trained, records):
    records.loc[1, "mean_radius"] = "n/a"
    records.loc[2, "mean_area"] = "-5"
    scored = predict_frame(trained, records)
    assert list(scored["patient_id"]) == ["007", "010", "0042", "x-9"]
    assert scored.loc[1, "error"] == "mean_radius: missing or not a number"
    assert scored.loc[2, "error"].startswith("mean_area=-5 outside")
    assert scored.loc[[1, 2], "label"].isna().all()
    assert scored.loc[[0, 3], "label"].notna().all()


def test_the_command_writes_ids_as_read_and_logs_the_rejected_lines(trained, settings, records, tmp_path, caplog):
    records.loc[3, "mean_texture"] = ""
    source = tmp_path / "in.csv"
    records.to_csv(source, index=False)
    output = tmp_path / "out" / "scored.csv"
    predict.main(["--input", str(source), "--output", str(output), "--model", str(settings.model_path)])
    written = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert list(written["patient_id"]) == ["007", "010", "0042", "x-9"]
    assert written.loc[3, "error"] == "mean_texture: missing or not a number"
    assert "line 5 not scored: mean_texture" in caplog.text


def test_a_missing_feature_column_or_a_clashing_name_is_refused(trained, records):
    with pytest.raises(DataValidationError, match="mean_symmetry"):
        predict_frame(trained, records.drop(columns="mean_symmetry"))
    with pytest.raises(DataValidationError, match="label"):
        predict_frame(trained, records.assign(label="x"))
