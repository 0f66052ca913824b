"""The command-line steps, run the way the Makefile, DVC and the Kubernetes Job run them."""

import json

import pytest

from mlops_project_pkg import data, evaluate, predict, train
from mlops_project_pkg.model import load_model


@pytest.fixture()
def workdir(tmp_path, monkeypatch, settings):
    for name, value in {
        "DATA_DIR": "data",
        "MODEL_PATH": "models/model.joblib",
        "CANDIDATE_DIR": "models/candidate",
        "REPORTS_DIR": "reports",
        "TRACKING_DIR": "runs",
        "PARAMS_PATH": str(settings.params_path),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def strict_params(workdir, settings):
    strict = workdir / "strict.yaml"
    strict.write_text(settings.params_path.read_text().replace("min_roc_auc: 0.95", "min_roc_auc: 1.01"))
    return strict


def test_train_writes_a_candidate_and_only_the_gate_promotes_it(workdir):
    # A fresh container has no data: training must produce it rather than fail.
    train.main([])
    candidate = json.loads((workdir / "models/candidate/manifest.json").read_text())
    assert not (workdir / "models/model.joblib").exists(), "training must not touch the served model"
    metrics = json.loads((workdir / "reports/metrics.json").read_text())
    assert metrics["cv_roc_auc"] > 0.9
    assert evaluate.main([]) == 0
    assert load_model(workdir / "models/model.joblib").version == candidate["model_version"]
    evaluation = json.loads((workdir / "reports/evaluation.json").read_text())
    assert evaluation["test_rows"] > 0
    assert evaluation["model_version"] == candidate["model_version"]
    assert (workdir / "reports/plots/roc_curve.csv").is_file()
    predict.main(["--input", "data/processed/test.csv", "--output", "out/scored.csv"])
    assert "malignant_probability" in (workdir / "out/scored.csv").read_text().splitlines()[0]


def test_a_failed_gate_exits_non_zero_and_leaves_the_served_model_untouched(workdir, settings):
    data.main([])
    train.main([])
    assert evaluate.main([]) == 0
    served = (workdir / "models/model.joblib").read_bytes()
    changed = workdir / "changed.yaml"
    changed.write_text(settings.params_path.read_text().replace("C: 1.0", "C: 0.5"))
    train.main(["--params", str(changed)])
    assert json.loads((workdir / "models/candidate/manifest.json").read_text())["model_version"] != (
        load_model(workdir / "models/model.joblib").version
    )

    assert evaluate.main(["--params", str(strict_params(workdir, settings))]) == 1

    assert (workdir / "models/model.joblib").read_bytes() == served
    assert not [path for path in (workdir / "models").iterdir() if path.name.startswith(".")], "temporary files left"


def test_retraining_the_same_data_params_and_code_gives_the_same_version(workdir):
    train.main([])
    first = json.loads((workdir / "models/candidate/manifest.json").read_text())["model_version"]
    train.main([])
    assert json.loads((workdir / "models/candidate/manifest.json").read_text())["model_version"] == first


def test_evaluate_without_a_candidate_says_how_to_make_one(workdir):
    data.main([])
    with pytest.raises(FileNotFoundError, match="mlops_project_pkg.train"):
        evaluate.main([])
