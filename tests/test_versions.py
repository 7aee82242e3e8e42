"""One version number across the package, the pip metadata and the extension manifest."""
import tomllib
from pathlib import Path

import sanctuary

ROOT = Path(__file__).resolve().parent.parent


def test_versions_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    manifest = tomllib.loads((ROOT / "addon" / "sanctuary" / "blender_manifest.toml").read_text())
    assert project["version"] == manifest["version"] == sanctuary.__version__
    assert manifest["blender_version_min"] == "4.2.0"
