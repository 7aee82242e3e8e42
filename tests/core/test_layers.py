"""The layers keep to their places (no bpy needed to check):

- core/ is pure Python + numpy: it never imports bpy or mathutils, nor the config package (it takes the
  validated preset as plain dicts), nor anything above it.
- the two doors, the command line (cli.py) and the panel (ui/), import from Sanctuary only `jobs` and the
  config package (and the panel its own modules).
- jobs/ imports no bpy when it is imported: arguments are checked before Blender loads.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

import sanctuary

PACKAGE = Path(sanctuary.__file__).parent
BLENDER = {"bpy", "mathutils", "bmesh", "bpy_extras", "addon_utils"}


def imports(path: Path) -> list[str]:
    """Absolute module names a source file imports (relative imports resolved), at any depth."""
    package = ".".join(["sanctuary", *path.relative_to(PACKAGE).parent.parts])
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            found += [base] + [f"{base}.{a.name}" for a in node.names]
    return found


def sources(*parts: str) -> list[Path]:
    where = PACKAGE.joinpath(*parts)
    return sorted(where.rglob("*.py")) if where.is_dir() else [where.with_suffix(".py")]


def test_core_imports_neither_blender_nor_config_nor_anything_above_it():
    files = sources("core")
    assert len(files) >= 20
    for path in files:
        for name in imports(path):
            top = name.split(".")[0]
            assert top not in BLENDER, f"{path.relative_to(PACKAGE)} imports {name}"
            if top == "sanctuary":
                assert name.startswith("sanctuary.core"), f"{path.relative_to(PACKAGE)} imports {name}"


@pytest.mark.parametrize("door", ["cli", "ui"])
def test_the_doors_go_through_jobs_and_config_only(door):
    allowed = ("sanctuary.jobs", "sanctuary.config", "sanctuary.__version__", f"sanctuary.{door}")
    for path in sources(door):
        for name in imports(path):
            if name.split(".")[0] == "sanctuary" and name != "sanctuary":
                assert name.startswith(allowed), f"{path.relative_to(PACKAGE)} imports {name}"


def test_importing_the_core_jobs_and_the_command_line_loads_no_blender_module():
    modules = ["sanctuary.cli", "sanctuary.jobs"] + [
        ".".join(["sanctuary", *p.relative_to(PACKAGE).with_suffix("").parts]).removesuffix(".__init__")
        for p in sources("core")]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules) +
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(BLENDER)!r})\n"
            "assert not bad, bad\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + proc.stdout
