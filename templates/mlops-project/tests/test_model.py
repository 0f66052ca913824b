"""Model behaviour: a minimum held-out score, invariance and directional checks."""

import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from mlops_project_pkg.evaluate import evaluate
from mlops_project_pkg.features import to_matrix
from mlops_project_pkg.model import ModelBundle, fingerprint, load_model
from mlops_project_pkg.schema import FEATURES, TARGET


def test_held_out_score_meets_the_minimum_in_params(trained, test_frame, params):
    metrics, roc, confusion = evaluate(trained, test_frame)
    assert metrics["roc_auc"] >= params["evaluate"]["min_roc_auc"]
    assert metrics["accuracy"] >= 0.9
    assert len(confusion) == len(test_frame)
    assert roc["tpr"].is_monotonic_increasing


def test_saved_model_round_trips(trained, settings):
    loaded = load_model(settings.model_path)
    rows = np.array([[14.0, 19.0, 91.0, 650.0, 0.096, 0.10, 0.09, 0.05, 0.18, 0.063]])
    assert loaded.version == trained.version
    assert loaded.predict(rows) == trained.predict(rows)


def test_prediction_does_not_depend_on_batch_composition(trained, test_frame):
    rows = to_matrix(test_frame)
    batch = trained.predict(rows[:20])
    singles = [trained.predict(row[np.newaxis, :])[0] for row in rows[:20]]
    assert batch == singles


def test_measurement_noise_does_not_flip_confident_predictions(trained, test_frame):
    rows = to_matrix(test_frame)
    probabilities = trained.pipeline.predict_proba(rows)[:, 1]
    confident = rows[np.abs(probabilities - 0.5) > 0.2]
    noisy = np.asarray(confident) * (1 + np.random.default_rng(0).normal(0, 0.001, size=np.shape(confident)))
    before = [p["label"] for p in trained.predict(confident)]
    assert [p["label"] for p in trained.predict(noisy)] == before


def test_moving_towards_malignant_profile_raises_probability(trained, test_frame):
    benign = test_frame[test_frame[TARGET] == 0][FEATURES]
    malignant_mean = test_frame[test_frame[TARGET] == 1][FEATURES].mean().to_numpy()
    start = benign.iloc[0].to_numpy()
    steps = [start + (malignant_mean - start) * share for share in (0.0, 0.5, 1.0)]
    probabilities = [p["malignant_probability"] for p in trained.predict(steps)]
    assert probabilities == sorted(probabilities)
    assert probabilities[-1] > probabilities[0]


def test_served_probabilities_equal_the_pipeline_and_other_estimators_still_work(trained, test_frame):
    rows = to_matrix(test_frame)
    np.testing.assert_allclose(trained.probabilities(rows), trained.pipeline.predict_proba(rows)[:, 1], rtol=1e-9)
    tree = Pipeline([("scale", StandardScaler()), ("classify", DecisionTreeClassifier(max_depth=2, random_state=0))])
    bundle = ModelBundle(pipeline=tree.fit(rows, test_frame[TARGET]), version="tree")
    np.testing.assert_allclose(bundle.probabilities(rows), tree.predict_proba(rows)[:, 1])


def test_version_changes_with_parameters_only(params):
    model = {**params["model"], "C": params["model"]["C"] * 2}
    changed = {**params, "model": model}
    assert fingerprint(params, "data") == fingerprint(params, "data")
    assert fingerprint(changed, "data") != fingerprint(params, "data")


def test_missing_model_file_says_how_to_create_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="mlops_project_pkg.train"):
        load_model(tmp_path / "absent.joblib")


def test_saving_replaces_the_file_whole_or_not_at_all(trained, tmp_path, monkeypatch):
    path = trained.save(tmp_path / "model.joblib")
    before = path.read_bytes()

    def broken_dump(value, file):
        file.write(b"half a model")
        raise OSError("disk full")

    monkeypatch.setattr("mlops_project_pkg.model.joblib.dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        trained.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.joblib"]


def test_a_truncated_model_file_is_a_value_error_not_a_crash(trained, tmp_path):
    path = trained.save(tmp_path / "model.joblib")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="not a readable model bundle"):
        load_model(path)


def test_version_changes_with_the_training_code(tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    from mlops_project_pkg import model

    copy = tmp_path / "mlops_project_pkg"
    shutil.copytree(Path(model.__file__).parent, copy)
    monkeypatch.setattr(model, "__file__", str(copy / "model.py"))
    original = model.code_fingerprint()
    (copy / "service_notes.py").write_text("# not training code\n")
    assert model.code_fingerprint() == original
    features = copy / "features.py"
    features.write_text(features.read_text() + "\n# a change of feature code\n")
    assert model.code_fingerprint() != original
