"""core/ is pure Python + numpy: it must never import bpy or mathutils."""
import ast
import subprocess
import sys
from pathlib import Path

import sanctuary

CORE = Path(sanctuary.__file__).parent / "core"
FORBIDDEN = {"bpy", "mathutils", "bmesh", "bpy_extras", "addon_utils"}


def test_core_sources_do_not_import_blender():
    files = sorted(CORE.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_importing_all_of_core_loads_no_blender_module():
    modules = [f"sanctuary.core.{p.stem}" for p in sorted(CORE.glob("*.py")) if p.stem != "__init__"]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules) +
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})\n"
            "print(bad)\nassert not bad, bad\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + proc.stdout
