"""Data tests: the raw data honours the contract, and broken data is refused by name."""

import pandas as pd
import pytest

from mlops_project_pkg.data import RAW_FILE, TEST_FILE, TRAIN_FILE, load_source
from mlops_project_pkg.schema import FEATURES, TARGET, DataValidationError, validate_frame


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    return load_source()


def test_source_satisfies_the_contract(source):
    validated = validate_frame(source)
    assert list(validated.columns) == FEATURES + [TARGET]
    assert len(validated) == 569
    assert set(validated[TARGET]) == {0, 1}


def test_prepare_splits_stratified_and_disjoint(trained, settings, params):
    raw = pd.read_csv(settings.raw_dir / RAW_FILE)
    train = pd.read_csv(settings.processed_dir / TRAIN_FILE)
    test = pd.read_csv(settings.processed_dir / TEST_FILE)
    assert len(train) + len(test) == len(raw)
    assert len(test) == pytest.approx(len(raw) * params["data"]["test_size"], abs=1)
    assert train[TARGET].mean() == pytest.approx(test[TARGET].mean(), abs=0.02)
    assert not train.merge(test, how="inner").shape[0]


def test_empty_data_is_refused(source):
    with pytest.raises(DataValidationError, match="empty"):
        validate_frame(source.iloc[0:0])


def test_missing_column_is_named(source):
    with pytest.raises(DataValidationError, match="mean_area"):
        validate_frame(source.drop(columns="mean_area"))


def test_non_numeric_column_is_named(source):
    broken = source.assign(mean_texture="high")
    with pytest.raises(DataValidationError, match="mean_texture.*numeric"):
        validate_frame(broken)


def test_missing_values_are_counted(source):
    broken = source.copy()
    broken.loc[[3, 7], "mean_radius"] = None
    with pytest.raises(DataValidationError, match="mean_radius.*2 missing"):
        validate_frame(broken)


def test_out_of_range_value_names_row_and_column(source):
    broken = source.copy()
    broken.loc[5, "mean_smoothness"] = -0.1
    with pytest.raises(DataValidationError, match="mean_smoothness.*row 5"):
        validate_frame(broken)


def test_unknown_label_is_refused(source):
    broken = source.copy()
    broken.loc[0, TARGET] = 2
    with pytest.raises(DataValidationError, match="unknown label"):
        validate_frame(broken)
