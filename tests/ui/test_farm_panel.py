"""The panel's Write Farm Job: the same job bundle as `sanctuary job` for the panel's values, errors as reports."""
import pytest
from conftest import run_json

bpy = pytest.importorskip("bpy")
yaml = pytest.importorskip("yaml")  # comes with openjd-cli, a test dependency

from sanctuary import ui  # noqa: E402
from sanctuary.config import presets  # noqa: E402
from sanctuary.core.plan import ScenePlan  # noqa: E402
from sanctuary.ui import operators, panels  # noqa: E402


@pytest.fixture
def panel(fresh_bpy, tmp_path, monkeypatch):
    monkeypatch.setenv("SANCTUARY_PRESET_PATH", str(tmp_path / "user_presets"))
    ui.register()
    yield bpy.context.scene.sanctuary
    ui.unregister()


def load(path):
    return yaml.safe_load(path.read_text())


class Row:
    """Stands in for the Render panel's layout: records the operators it draws, row by row, and their icons."""

    def __init__(self, rows):
        self.rows, self.ops = rows, []
        rows.append(self.ops)
        self.use_property_split, self.scale_y = False, 1.0

    def operator(self, idname, text="", icon="NONE", **kw):
        self.ops.append((idname, text, icon))
        return type("Props", (), {})()

    def row(self, **kw):
        return Row(self.rows)

    column = row

    def prop(self, *a, **kw):
        pass

    label = menu = prop


def test_write_farm_job_sits_beside_render_animation(panel):
    bpy.ops.sanctuary.load_preset(name="sketch")
    rows = []
    panels.SANCTUARY_PT_render.draw(type("P", (), {"layout": Row(rows)})(), bpy.context)
    row = next(r for r in rows if any(op[0] == "sanctuary.write_farm_job" for op in r))
    assert [text for _, text, _ in row] == ["Render Stills", "Render Animation", "Write Farm Job"]
    icons = bpy.types.UILayout.bl_rna.functions["operator"].parameters["icon"].enum_items.keys()
    assert all(icon in icons for _, _, icon in row)  # every icon exists in this Blender


def test_the_panels_write_farm_job_is_the_command_lines_job(panel, tmp_path):
    bpy.ops.sanctuary.load_preset(name="sketch")
    panel.render.quality = "draft"
    panel.forest.tree_count = 10
    panel.render_output = str(tmp_path / "render")
    assert bpy.ops.sanctuary.write_farm_job(directory=str(tmp_path / "from_panel")) == {"FINISHED"}
    # The same values on the command line: the whole film, as Render Animation renders it.
    code, _, stderr = run_json("job", "--preset", "sketch", "--seed", str(panel.seed), "--set", "forest.tree_count=10",
                               "--set", 'render.quality="draft"', "--frames", "1-1440",
                               "--out", str(tmp_path / "from_cli"))
    assert code == 0, stderr
    for name in ("template.yaml", "parameter_values.yaml", "asset_references.yaml"):
        assert load(tmp_path / "from_panel" / name) == load(tmp_path / "from_cli" / name), name

    # Without a folder: beside the panel's output folder. The selected shot alone with Render Shot Only.
    panel.render_shot_only, panel.shots_index = True, 3
    assert bpy.ops.sanctuary.write_farm_job(chunk_size=6) == {"FINISHED"}
    params = {p["name"]: p["default"] for p in
              load(tmp_path / "render_farm_job" / "template.yaml")["parameterDefinitions"]}
    shot = ScenePlan(presets.load_scene("sketch").data).shots[3]
    assert params["ChunkSize"] == 6 and params["Frames"] == f"{shot.frame_start}-{shot.frame_end}"
    assert operators.farm_job_folder(panel) == str(tmp_path / "render_farm_job")


def test_bad_input_is_a_one_line_report_and_nothing_is_written(panel, tmp_path):
    bpy.ops.sanctuary.load_preset(name="sketch")
    panel.render_output = str(tmp_path / "render")
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(RuntimeError, match=r"Output: cannot create output folder .*a_file is a file$"):
        bpy.ops.sanctuary.write_farm_job(directory=str(tmp_path / "a_file" / "job"))
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "holiday.png").write_bytes(b"not a job")
    with pytest.raises(RuntimeError, match="holds no job bundle of sanctuary's"):
        bpy.ops.sanctuary.write_farm_job(directory=str(photos))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "photos"]
    assert sorted(p.name for p in photos.iterdir()) == ["holiday.png"]

