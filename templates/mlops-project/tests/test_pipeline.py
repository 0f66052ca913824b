"""The command-line steps, run the way the Makefile, DVC and the Kubernetes Job run them."""

import json

import pytest

from mlops_project_pkg import data, evaluate, predict, train


@pytest.fixture()
def workdir(tmp_path, monkeypatch, settings):
    for name, value in {
        "DATA_DIR": "data",
        "MODEL_PATH": "models/model.joblib",
        "REPORTS_DIR": "reports",
        "TRACKING_DIR": "runs",
        "PARAMS_PATH": str(settings.params_path),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_train_prepares_missing_data_then_evaluate_and_predict(workdir):
    # A fresh container has no data: training must produce it rather than fail.
    train.main([])
    assert (workdir / "models/model.joblib").is_file()
    metrics = json.loads((workdir / "reports/metrics.json").read_text())
    assert metrics["cv_roc_auc"] > 0.9
    assert evaluate.main([]) == 0
    evaluation = json.loads((workdir / "reports/evaluation.json").read_text())
    assert evaluation["test_rows"] > 0
    assert (workdir / "reports/plots/roc_curve.csv").is_file()
    predict.main(["--input", "data/processed/test.csv", "--output", "out/scored.csv"])
    assert "malignant_probability" in (workdir / "out/scored.csv").read_text().splitlines()[0]


def test_evaluate_fails_when_score_is_below_minimum(workdir, settings):
    data.main([])
    train.main([])
    strict = workdir / "strict.yaml"
    strict.write_text(settings.params_path.read_text().replace("min_roc_auc: 0.95", "min_roc_auc: 1.01"))
    assert evaluate.main(["--params", str(strict)]) == 1
