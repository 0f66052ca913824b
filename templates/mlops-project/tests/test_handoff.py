"""The model handoff: the gate publishes to the model store only when asked to, aliases move only to
published versions, and MODEL_URI resolves to the very bundle that was evaluated."""

import json

import pytest

from mlops_project_pkg import evaluate, promote, publish, train
from mlops_project_pkg.config import Settings
from mlops_project_pkg.model import load_model
from mlops_project_pkg.model_store import ModelNotPublishedError, ModelStore
from mlops_project_pkg.model_uri import fetch_model


@pytest.fixture()
def store_workdir(tmp_path, monkeypatch, settings):
    store = tmp_path / "store"
    for name, value in {
        "DATA_DIR": "data",
        "MODEL_PATH": "models/model.joblib",
        "REPORTS_DIR": "reports",
        "TRACKING_DIR": "runs",
        "PARAMS_PATH": str(settings.params_path),
        "MODEL_STORE_URI": store.as_uri(),
        "MODEL_CACHE_DIR": str(tmp_path / "cache"),
    }.items():
        monkeypatch.setenv(name, value)
    # The store alone (the registry side has its own tests): runs go to a local store under runs/.
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def published(store_workdir):
    return (
        sorted(path.name for path in (store_workdir / "store").iterdir()) if (store_workdir / "store").exists() else []
    )


def candidate_version(workdir):
    return json.loads((workdir / "models/candidate/manifest.json").read_text())["model_version"]


def test_passing_gate_publishes_the_bundle_and_moves_the_dev_alias(store_workdir, monkeypatch):
    monkeypatch.setenv("MODEL_PROMOTE_ALIAS", "dev")
    train.main([])
    version = candidate_version(store_workdir)
    assert published(store_workdir) == [], "training must publish nothing"

    assert evaluate.main(["--publish"]) == 0

    assert published(store_workdir) == sorted([version, "aliases"])
    assert (store_workdir / "store/aliases/dev").read_text().strip() == version
    path, resolved = fetch_model("store://dev", Settings.from_env())
    assert resolved == version
    assert load_model(path).version == version


def test_failing_gate_publishes_nothing_and_moves_no_alias(store_workdir, monkeypatch, settings):
    monkeypatch.setenv("MODEL_PROMOTE_ALIAS", "dev")
    train.main([])
    strict = store_workdir / "strict.yaml"
    strict.write_text(settings.params_path.read_text().replace("min_roc_auc: 0.95", "min_roc_auc: 1.01"))

    assert evaluate.main(["--params", str(strict), "--publish"]) == 1
    assert publish.main(["--params", str(strict)]) == 1

    assert published(store_workdir) == []
    assert not (store_workdir / "models/model.joblib").exists()


def test_without_publishing_the_gate_promotes_locally_and_leaves_the_store_alone(store_workdir):
    train.main([])
    assert evaluate.main([]) == 0, "a laptop or pull-request run of the gate must pass without store access"
    assert published(store_workdir) == []
    assert load_model(store_workdir / "models/model.joblib").version == candidate_version(store_workdir)


def test_publish_afterwards_uploads_only_the_candidate_the_gate_passed(store_workdir, monkeypatch):
    assert publish.main([]) == 2, "nothing trained yet: nothing to publish"
    train.main([])
    assert evaluate.main([]) == 0
    version = candidate_version(store_workdir)

    assert publish.main([]) == 0
    assert published(store_workdir) == [version]

    evaluation = store_workdir / "reports/evaluation.json"
    evaluation.write_text(json.dumps({**json.loads(evaluation.read_text()), "model_version": "0123456789ab"}))
    assert publish.main([]) == 2, "an evaluation of another model must not publish this candidate"
    monkeypatch.delenv("MODEL_STORE_URI")
    assert publish.main([]) == 2


def test_promote_moves_an_alias_to_a_published_version_only(store_workdir):
    train.main([])
    assert evaluate.main(["--publish"]) == 0
    version = candidate_version(store_workdir)
    assert not (store_workdir / "store/aliases/prod").exists(), "evaluate without MODEL_PROMOTE_ALIAS moves none"

    assert promote.main(["--alias", "prod", "--version", version]) == 0
    assert ModelStore((store_workdir / "store").as_uri()).version_of("prod") == version

    assert promote.main(["--alias", "prod", "--version", "0123456789ab"]) == 2
    assert ModelStore((store_workdir / "store").as_uri()).version_of("prod") == version
    with pytest.raises(SystemExit):
        promote.main(["--alias", "staging", "--version", version])


def test_an_unset_alias_or_store_is_a_clear_error(store_workdir, monkeypatch):
    with pytest.raises(ModelNotPublishedError, match="make promote ALIAS=prod"):
        fetch_model("store://prod", Settings.from_env())
    monkeypatch.delenv("MODEL_STORE_URI")
    with pytest.raises(ValueError, match="MODEL_STORE_URI"):
        fetch_model("store://prod", Settings.from_env())
    with pytest.raises(ValueError, match="MODEL_URI"):
        fetch_model("ftp://example/model", Settings.from_env())


def test_promote_without_a_store_says_where_to_point_it(store_workdir, monkeypatch):
    monkeypatch.delenv("MODEL_STORE_URI")
    assert promote.main(["--alias", "dev", "--version", "0123456789ab"]) == 2


def test_a_local_path_resolves_to_itself(tmp_path):
    path, version = fetch_model(str(tmp_path / "model.joblib"), Settings())
    assert path == tmp_path / "model.joblib"
    assert version is None
