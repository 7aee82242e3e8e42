"""The add-on's UI in background Blender: registration, operators, panel drawing."""
import pytest

bpy = pytest.importorskip("bpy")

import sanctuary  # noqa: E402
from sanctuary import ui  # noqa: E402


class Recorder:
    """Stands in for `layout`: records every prop/operator the panel asks for."""

    def __init__(self, log):
        self.log = log
        self.enabled = True

    def prop(self, data, name, **kw):
        self.log.append(("prop", data, name))

    def operator(self, idname, **kw):
        self.log.append(("operator", idname))

    def label(self, **kw):
        self.log.append(("label", kw.get("text")))

    def row(self, **kw):
        return Recorder(self.log)

    column = box = row


@pytest.fixture
def registered(fresh_bpy):
    ui.register()
    yield
    ui.unregister()


def test_register_unregister_repeatedly_leaves_nothing(fresh_bpy):
    for _ in range(3):
        ui.register()
        assert hasattr(bpy.types.Scene, "sanctuary")
        ui.unregister()
        assert not hasattr(bpy.types.Scene, "sanctuary")
        assert not hasattr(bpy.types, "SANCTUARY_PT_scene")


def test_operators_run_in_background(registered):
    scene = bpy.context.scene
    scene.sanctuary.preset = "sketch"
    assert bpy.ops.sanctuary.build() == {"FINISHED"}
    first = scene.sanctuary.fingerprint
    assert len(first) == 16
    assert bpy.ops.sanctuary.random_seed() == {"FINISHED"}
    assert not scene.sanctuary.use_preset_seed
    assert bpy.ops.sanctuary.build() == {"FINISHED"}
    assert scene.sanctuary.fingerprint != first


def test_bad_preset_is_reported_not_raised(registered, tmp_path, monkeypatch):
    (tmp_path / "broken.toml").write_text("[forest]\ntree_count = -4\n")
    monkeypatch.setenv("SANCTUARY_PRESET_PATH", str(tmp_path))
    bpy.context.scene.sanctuary.preset = "broken"
    with pytest.raises(RuntimeError, match=r"broken.toml: forest.tree_count: expected an integer"):
        bpy.ops.sanctuary.build()  # background mode turns an ERROR report into RuntimeError
    assert not [c for c in bpy.context.scene.collection.children if c.get("sanctuary_root")]


def test_export_from_the_panel(registered, tmp_path):
    scene = bpy.context.scene
    assert not bpy.ops.sanctuary.export.poll()  # nothing built yet
    scene.sanctuary.preset = "sketch"
    bpy.ops.sanctuary.build()
    scene.frame_start, scene.frame_end = 40, 44
    scene.sanctuary.export_format = "glb"
    scene.sanctuary.export_path = str(tmp_path / "from_panel")  # the format's extension is added
    assert bpy.ops.sanctuary.export() == {"FINISHED"}
    assert (tmp_path / "from_panel.glb").read_bytes()[:4] == b"glTF"
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    scene.sanctuary.export_path = str(blocker / "x.glb")
    with pytest.raises(RuntimeError, match="--out: cannot create"):
        bpy.ops.sanctuary.export()  # an ERROR report (a RuntimeError in background mode), not a traceback
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "from_panel.glb"]


def test_panel_draws_only_existing_properties_and_operators(registered):
    log = []
    panel = bpy.types.SANCTUARY_PT_scene
    fake = type("P", (), {"layout": Recorder(log)})()
    bpy.context.scene.sanctuary.fingerprint = "abc"
    panel.draw(fake, bpy.context)
    assert log
    for entry in log:
        if entry[0] == "prop":
            _, data, name = entry
            assert name in data.bl_rna.properties, name
        elif entry[0] == "operator":
            category, op = entry[1].split(".")
            assert hasattr(getattr(bpy.ops, category), op), entry[1]
    assert ("operator", "sanctuary.build") in log and ("operator", "sanctuary.export") in log


def test_version_exposed():
    assert sanctuary.__version__.count(".") == 2
