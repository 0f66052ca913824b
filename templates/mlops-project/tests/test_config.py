from pathlib import Path

import pytest

from mlops_project_pkg.config import Settings, load_params


def test_defaults_work_in_a_fresh_checkout():
    settings = Settings.from_env({})
    assert settings.app_env == "dev"
    assert settings.model_path == Path("models/model.joblib")
    assert settings.processed_dir == Path("data/processed")
    assert settings.mlflow_tracking_uri is None


def test_environment_overrides_paths_and_names_per_environment():
    settings = Settings.from_env({"APP_ENV": "prod", "MODEL_PATH": "/models/m.joblib",
                                  "DATA_DIR": "/data", "MLFLOW_TRACKING_URI": "http://mlflow:5000"})
    assert settings.model_path == Path("/models/m.joblib")
    assert settings.raw_dir == Path("/data/raw")
    assert settings.mlflow_tracking_uri == "http://mlflow:5000"
    assert settings.mlflow_experiment_name.endswith("-prod")
    assert settings.registered_model_name.endswith("-prod")


def test_unknown_app_env_is_refused():
    with pytest.raises(ValueError, match="APP_ENV"):
        Settings.from_env({"APP_ENV": "staging-typo"})


def test_params_file_without_a_section_is_refused(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("data: {test_size: 0.2}\n")
    with pytest.raises(ValueError, match="model"):
        load_params(path)
