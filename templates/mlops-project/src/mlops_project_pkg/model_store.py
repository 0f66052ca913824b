"""Model bundles on disk and in object storage: the candidate training writes, the store the gate publishes to.

A bundle is a folder with `model.joblib` (the ModelBundle) and `manifest.json` (its version, training
run and metrics). The store, MODEL_STORE_URI (s3://, gs://, az://, file://, through fsspec), holds

    <MODEL_STORE_URI>/<model_version>/model.joblib, manifest.json   one folder per published version
    <MODEL_STORE_URI>/aliases/<alias>                               the version an alias (dev, prod) points to

Versions are content hashes, so publishing the same bundle twice writes the same folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mlops_project_pkg.model import ModelBundle, load_model

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
ALIASES = "aliases"


class ModelNotPublishedError(FileNotFoundError):
    """A version or alias the store does not hold (a FileNotFoundError, as a missing local file is)."""


def write_candidate(bundle: ModelBundle, directory: Path, manifest: dict[str, Any]) -> Path:
    """Write the bundle folder next to its final place, then swap it in, so no reader sees half of one."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    staging.chmod(0o755)  # mkdtemp creates 0700; the candidate is read by other users (containers, CI steps)
    try:
        bundle.save(staging / MODEL_FILE)
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if directory.exists():
            retired = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.old."))
            os.replace(directory, retired / directory.name)
            os.replace(staging, directory)
            shutil.rmtree(retired)
        else:
            os.replace(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def read_candidate(directory: Path) -> tuple[ModelBundle, dict[str, Any]]:
    manifest_path = directory / MANIFEST_FILE
    if not manifest_path.exists():
        raise FileNotFoundError(f"no candidate in {directory}: run `python -m mlops_project_pkg.train` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    bundle = load_model(directory / MODEL_FILE)
    if bundle.version != manifest.get("model_version"):
        raise ValueError(f"{directory}: manifest version {manifest.get('model_version')} != bundle {bundle.version}")
    return bundle, manifest


class ModelStore:
    """Published bundles and aliases under one fsspec URL."""

    def __init__(self, uri: str) -> None:
        try:
            import fsspec
        except ImportError:
            raise RuntimeError("MODEL_STORE_URI needs fsspec: pip install '.[store]'") from None
        options: dict[str, Any] = {}
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if uri.startswith("s3://") and endpoint:
            # MinIO (--cloud local) and other S3-compatible stores.
            options["client_kwargs"] = {"endpoint_url": endpoint}
        account = os.environ.get("AZURE_STORAGE_ACCOUNT")
        if uri.startswith(("az://", "abfs://")) and account:
            # The storage account of cloud.env; credentials from Azure's default chain (workload identity).
            options.update(account_name=account, anon=False)
        self.uri = uri.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.uri, **options)
        self.root = self.root.rstrip("/")

    def _path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def has(self, version: str) -> bool:
        return self.fs.exists(self._path(version, MANIFEST_FILE))

    def publish(self, directory: Path, version: str) -> str:
        """Upload a bundle folder as <version>/; the manifest goes last, so its presence means complete."""
        if not self.has(version):
            self.fs.makedirs(self._path(version), exist_ok=True)
            self.fs.put_file(str(directory / MODEL_FILE), self._path(version, MODEL_FILE))
            self.fs.put_file(str(directory / MANIFEST_FILE), self._path(version, MANIFEST_FILE))
        return f"{self.uri}/{version}"

    def set_alias(self, alias: str, version: str) -> None:
        if not self.has(version):
            raise ModelNotPublishedError(f"version {version} is not published in {self.uri}: `make evaluate` publishes")
        self.fs.makedirs(self._path(ALIASES), exist_ok=True)
        self.fs.pipe_file(self._path(ALIASES, alias), f"{version}\n".encode())

    def version_of(self, alias: str) -> str:
        path = self._path(ALIASES, alias)
        if not self.fs.exists(path):
            raise ModelNotPublishedError(
                f"alias {alias!r} is not set in {self.uri}: `make promote ALIAS={alias}` sets it"
            )
        return self.fs.cat_file(path).decode().strip()

    def download(self, version: str, cache_dir: Path) -> Path:
        """The bundle file of a version in cache_dir/<version>/ (downloaded once: versions never change)."""
        target = cache_dir / version / MODEL_FILE
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
            os.close(handle)
            try:
                self.fs.get_file(self._path(version, MODEL_FILE), partial)
                os.replace(partial, target)
            finally:
                Path(partial).unlink(missing_ok=True)
        return target
