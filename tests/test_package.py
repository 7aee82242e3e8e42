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


def test_every_tested_blender_is_admitted():
    """Install from Disk refuses a Blender at or above blender_version_max; pip needs a bpy for the Python."""
    manifest = tomllib.loads((ROOT / "addon" / "sanctuary" / "blender_manifest.toml").read_text())
    newest_tested = (5, 2)
    assert tuple(map(int, manifest["blender_version_max"].split("."))) == (newest_tested[0], newest_tested[1] + 1, 0)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,!=3.12.*,<3.14"
    bpy_pins = sorted(d for d in project["dependencies"] if d.startswith("bpy"))
    assert bpy_pins == ["bpy>=4.2.13,<5.1; python_version < '3.12'", "bpy>=5.1.2,<5.3; python_version >= '3.13'"]
    # Copy Command writes the clipboard: the extension must say so.
    assert "clipboard" in manifest["permissions"]
