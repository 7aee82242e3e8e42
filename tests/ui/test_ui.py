"""The add-on's UI in background Blender: registration, every operator, every panel's draw()."""
import json
import time
from pathlib import Path

import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from conftest import run_json  # noqa: E402

import sanctuary  # noqa: E402
from sanctuary import jobs, ui  # noqa: E402
from sanctuary.config import presets  # noqa: E402
from sanctuary.ui import operators, panels  # noqa: E402
from sanctuary.ui import properties as props  # noqa: E402


class Recorder:
    """Stands in for `layout`: records every property, operator, menu and list the panel asks for."""

    def __init__(self, log):
        self.log = log
        self.enabled = True
        self.use_property_split = False
        self.scale_y = 1.0

    def prop(self, data, name, **kw):
        self.log.append(("prop", data, name))

    def operator(self, idname, **kw):
        self.log.append(("operator", idname))
        return OperatorProps(self.log, idname)

    def menu(self, idname, **kw):
        self.log.append(("menu", idname))

    def template_list(self, ul, list_id, data, name, active_data, active_name, **kw):
        self.log.append(("template_list", ul, data, name, active_data, active_name))

    def progress(self, **kw):
        self.log.append(("progress", kw.get("factor"), kw.get("text")))

    def label(self, **kw):
        self.log.append(("label", kw.get("text")))

    def row(self, **kw):
        return Recorder(self.log)

    column = box = row


class OperatorProps:
    """What `layout.operator()` returns: setting a property it does not have is an error."""

    def __init__(self, log, idname):
        object.__setattr__(self, "log", log)
        object.__setattr__(self, "idname", idname)

    def __setattr__(self, name, value):
        self.log.append(("operator_prop", self.idname, name, value))


def stand_in(panel, log):
    """A panel instance for draw(): its class attributes, and a recording layout."""
    return type("P", (), {"layout": Recorder(log), "sections": getattr(panel, "sections", ())})()


def check_log(log) -> None:
    for entry in log:
        if entry[0] == "prop":
            _, data, name = entry
            assert name in data.bl_rna.properties, name
        elif entry[0] == "operator":
            category, op = entry[1].split(".")
            assert hasattr(getattr(bpy.ops, category), op), entry[1]
        elif entry[0] == "operator_prop":
            _, idname, name, value = entry
            category, op = idname.split(".")
            rna = getattr(getattr(bpy.ops, category), op).get_rna_type()
            assert name in rna.properties, (idname, name)
            prop = rna.properties[name]
            if prop.type == "ENUM":
                assert value in prop.enum_items.keys(), (idname, name, value)
        elif entry[0] == "menu":
            assert hasattr(bpy.types, entry[1]), entry[1]
        elif entry[0] == "template_list":
            _, ul, data, name, active_data, active_name = entry
            assert hasattr(bpy.types, ul)
            assert name in data.bl_rna.properties and active_name in active_data.bl_rna.properties


@pytest.fixture
def registered(fresh_bpy, tmp_path, monkeypatch):
    monkeypatch.setenv("SANCTUARY_PRESET_PATH", str(tmp_path / "user_presets"))
    ui.register()
    yield bpy.context.scene.sanctuary
    ui.unregister()


def test_register_unregister_repeatedly_leaves_nothing(fresh_bpy):
    before_types = {n for n in dir(bpy.types) if n.startswith("SANCTUARY")}
    handlers = len(bpy.app.handlers.load_pre)
    for _ in range(3):
        ui.register()
        assert hasattr(bpy.types.Scene, "sanctuary")
        assert bpy.context.scene.sanctuary.forest.tree_count == presets.load_scene().data["forest"]["tree_count"]
        ui.unregister()
        assert not hasattr(bpy.types.Scene, "sanctuary")
        assert {n for n in dir(bpy.types) if n.startswith("SANCTUARY")} == before_types == set()
        assert len(bpy.app.handlers.load_pre) == handlers


def test_settings_mirror_the_preset_schema(registered):
    """Every preset key is a property at the same path, with the schema's range."""
    settings = registered
    scene = bpy.context.scene
    scene.frame_current, scene.use_preview_range = 700, False
    bpy.ops.sanctuary.load_preset(name="default")
    assert (scene.frame_current, scene.use_preview_range) == (700, False)  # loading is not selecting a shot
    data = presets.load_scene("default").data
    assert props.read(settings, data) == data  # untouched single-precision fields read back exactly
    tree_count = settings.forest.bl_rna.properties["tree_count"]
    assert (tree_count.hard_min, tree_count.hard_max, tree_count.soft_max) == (0, 2000, 400)
    assert settings.bl_rna.properties["shots"].fixed_type.bl_rna.properties["move"].enum_items.keys()[0] == "crane_down"
    for key in ("forest", "leaves", "clearing", "ground", "sky", "pedestal", "heart", "frost", "timeline", "sound",
                "captions", "render"):
        assert set(data[key]) <= set(getattr(settings, key).bl_rna.properties.keys()), key


def test_a_panel_change_is_the_same_set_on_the_cli(registered):
    settings = registered
    bpy.ops.sanctuary.load_preset(name="sketch")
    settings.seed = 11
    settings.forest.tree_count = 21
    settings.heart.moonlight = (0.5, 0.61, 0.9)
    settings.forest.species[0].droop = 0.45
    settings.timeline.beats.tending = 12.5
    settings.shots[2].lens = 40.0
    settings.timeline.acts[1].kind = "still"  # a kind change: the acts go whole
    bpy.ops.sanctuary.list_edit(list="acts", action="REMOVE")
    panel = props.panel_preset(settings)
    assert panel.seed == 11 and "forest.tree_count=21" in panel.sets and "shots[2].lens=40.0" in panel.sets
    assert any(s.startswith("timeline.acts=[{") for s in panel.sets)
    base = presets.load_scene("sketch").data
    assert presets.load_scene("sketch", 11, tuple(panel.sets)).data == props.read(settings, base)
    assert "--set forest.tree_count=21" in panel.command("build")


def test_build_apply_timeline_and_a_saved_preset_give_the_cli_fingerprint(registered, tmp_path):
    settings = registered
    assert bpy.ops.sanctuary.load_preset(name="sketch") == {"FINISHED"}
    settings.forest.tree_count = 12
    settings.heart.glow = 3.3
    assert bpy.ops.sanctuary.build() == {"FINISHED"}
    built = settings.fingerprint

    # Apply Timeline re-keys the story on the same forest: equal to a full build of the same values.
    settings.timeline.beats.tending = 9.0
    settings.timeline.acts[3].pattern = "rings"
    trees = [o.as_pointer() for o in bpy.data.objects if o.name.startswith("tree_")]
    assert bpy.ops.sanctuary.apply_timeline() == {"FINISHED"}
    assert [o.as_pointer() for o in bpy.data.objects if o.name.startswith("tree_")] == trees  # not rebuilt
    retimed = settings.fingerprint
    assert retimed != built
    beats = presets.load_scene("sketch").data["timeline"]["beats"]
    assert bpy.context.scene.frame_end == round(24 * (sum(beats.values()) - beats["tending"] + 9.0))

    # Save as a user preset: the CLI builds it to the same fingerprint.
    assert bpy.ops.sanctuary.save_preset(name="my_dream", description="tested") == {"FINISHED"}
    saved = tmp_path / "user_presets" / "my_dream.toml"
    assert settings.preset == "my_dream" and saved.is_file()
    assert "inherits" not in saved.read_text() and "tree_count = 12" in saved.read_text()
    assert bpy.ops.sanctuary.build() == {"FINISHED"}
    assert settings.fingerprint == retimed
    jobs.new_file()
    assert jobs.build(presets.load_scene(str(saved)))["fingerprint"] == retimed

    # A forest key changed: Apply Timeline refuses (a Build is needed), naming the key.
    ui.unregister()
    ui.register()
    settings = bpy.context.scene.sanctuary
    bpy.ops.sanctuary.load_preset(name="my_dream")
    bpy.ops.sanctuary.build()
    settings.forest.tree_count = 13
    with pytest.raises(RuntimeError, match="Apply Timeline: forest.tree_count: changed since the forest was built"):
        bpy.ops.sanctuary.apply_timeline()


def test_every_other_operator_runs_in_background(registered, tmp_path, capfd):
    settings = registered
    assert not bpy.ops.sanctuary.apply_timeline.poll() and not bpy.ops.sanctuary.export.poll()
    assert bpy.ops.sanctuary.build() == {"FINISHED"}  # no preset chosen yet: the default's values
    assert settings.preset == "default" and len(settings.fingerprint) == 16
    assert bpy.ops.sanctuary.random_seed() == {"FINISHED"}
    capfd.readouterr()
    assert bpy.ops.sanctuary.copy_command() == {"FINISHED"}  # to the clipboard (none in background) and reported
    assert f"sanctuary build --preset default --seed {settings.seed} --out" in capfd.readouterr().out
    assert bpy.ops.sanctuary.set_quality(name="draft") == {"FINISHED"} and settings.render.quality == "draft"
    with pytest.raises(RuntimeError, match="no quality tier named 'ultra'"):
        bpy.ops.sanctuary.set_quality(name="ultra")

    # Lists: add copies the active item (with a new name), remove, reorder; the panel's lists never empty.
    for name, owner in (("species", settings.forest), ("acts", settings.timeline), ("shots", settings)):
        items = getattr(owner, name)
        n = len(items)
        setattr(owner, f"{name}_index", 0)
        assert bpy.ops.sanctuary.list_edit(list=name, action="ADD") == {"FINISHED"}
        assert len(items) == n + 1 and getattr(owner, f"{name}_index") == 1
        if name != "acts":
            assert items[1].name == items[0].name + "_2"
        assert bpy.ops.sanctuary.list_edit(list=name, action="UP") == {"FINISHED"}
        assert getattr(owner, f"{name}_index") == 0
        assert bpy.ops.sanctuary.list_edit(list=name, action="DOWN") == {"FINISHED"}
        assert bpy.ops.sanctuary.list_edit(list=name, action="REMOVE") == {"FINISHED"}
        assert len(items) == n
    while len(settings.forest.species) > 1:
        bpy.ops.sanctuary.list_edit(list="species", action="REMOVE")
    with pytest.raises(RuntimeError, match="Sanctuary panel: species: needs at least 1"):
        bpy.ops.sanctuary.list_edit(list="species", action="REMOVE")

    # Selecting a shot looks through its camera over its frames.
    shots = json.loads(bpy.context.scene["sanctuary_shots"])
    settings.shots_index = 3
    scene = bpy.context.scene
    assert scene.camera.name == shots[3]["camera"] and scene.use_preview_range
    assert (scene.frame_preview_start, scene.frame_preview_end) == (shots[3]["frame_start"], shots[3]["frame_end"])

    # Presets: a user preset can be removed; a broken one is reported when loaded; the values stay.
    bpy.ops.sanctuary.save_preset(name="to_remove")
    assert (tmp_path / "user_presets" / "to_remove.toml").is_file() and bpy.ops.sanctuary.remove_preset.poll()
    assert bpy.ops.sanctuary.remove_preset() == {"FINISHED"}
    assert not (tmp_path / "user_presets" / "to_remove.toml").exists() and settings.preset == "default"
    (tmp_path / "user_presets" / "broken.toml").write_text("[forest]\ntree_count = -4\n")
    count = settings.forest.tree_count
    with pytest.raises(RuntimeError, match=r"broken.toml: forest.tree_count: expected an integer"):
        bpy.ops.sanctuary.load_preset(name="broken")  # background mode turns an ERROR report into RuntimeError
    assert settings.forest.tree_count == count
    with pytest.raises(RuntimeError, match="preset name: expected lower-case"):
        bpy.ops.sanctuary.save_preset(name="My Dream!")
    assert sorted(p.name for p in (tmp_path / "user_presets").iterdir()) == ["broken.toml"]

    # A value that breaks a rule across keys: reported with the panel as its source, nothing rebuilt.
    fingerprint = settings.fingerprint
    settings.shots[1].start = "approach"
    with pytest.raises(RuntimeError, match=r"Sanctuary panel: shots\[1\].start: an overlap|a gap"):
        bpy.ops.sanctuary.build()
    assert settings.fingerprint == fingerprint

    # The render operator checks before it starts a process: no output folder for an unsaved file.
    settings.shots[1].start = "forest+4.5"
    with pytest.raises(RuntimeError, match="render_output: the .blend is not saved yet"):
        bpy.ops.sanctuary.render(what="STILLS")
    assert not bpy.ops.sanctuary.render_cancel.poll()


@pytest.mark.slow  # renders in a Blender process
def test_render_from_the_operator_matches_the_cli(registered, tmp_path):
    settings = registered
    bpy.ops.sanctuary.load_preset(name="sketch")
    settings.render.quality = "draft"
    settings.forest.tree_count = 10
    settings.sound.enabled = False  # frames are compared here; the soundtrack has its own tests
    settings.render_output = str(tmp_path / "panel")
    assert bpy.ops.sanctuary.render(what="STILLS") == {"FINISHED"}
    panel = sorted((tmp_path / "panel").glob("frame_*.png"))
    assert len(panel) == len(settings.shots)  # one still per shot
    assert (tmp_path / "panel" / "contact_sheet.png").is_file()

    code, info, err = run_json("render", "--preset", "sketch", "--set", "forest.tree_count=10", "--quality",
                               "draft", "--set", "sound.enabled=false", "--set", "render.trailer_frames=0",
                               "--out", str(tmp_path / "cli"))
    assert code == 0, err
    cli = sorted((tmp_path / "cli").glob("frame_*.png"))
    assert [p.name for p in cli] == [p.name for p in panel]
    manifest = json.loads((tmp_path / "panel" / "manifest.json").read_text())
    assert manifest["fingerprint"] == info["fingerprint"] and manifest["quality"] == "draft"
    for a, b in zip(panel, cli):
        pa, pb = (np.asarray(bpy.data.images.load(str(p)).pixels[:]) for p in (a, b))
        assert np.abs(pa - pb).max() < 1e-6, a.name


@pytest.mark.slow  # renders in a Blender process
def test_interactive_render_shows_progress_and_cancels(registered, tmp_path):
    """The modal path (a window is needed to run it for real): driven here tick by tick with stand-ins."""
    from sanctuary.jobs.child import RenderProcess

    shown, reports = [], []
    context = type("Context", (), {
        "window_manager": type("WM", (), {"event_timer_remove": lambda self, t: None})(),
        "workspace": type("WS", (), {"status_text_set": lambda self, text: shown.append(text)})(),
        "screen": None})()
    op = type("Op", (), {"report": lambda self, level, line: reports.append((level, line)), "_timer": None,
                         "finish": operators.SANCTUARY_OT_render.finish,
                         "end_modal": operators.SANCTUARY_OT_render.end_modal})()
    tick = type("Event", (), {"type": "TIMER", "value": "NOTHING"})()
    key = type("Event", (), {"type": "ESC", "value": "PRESS"})()
    operators._job["process"] = RenderProcess(["render", "--preset", "sketch", "--quality", "draft",
                                               "--frames", "1-400", "--out", str(tmp_path / "r")])
    assert not bpy.ops.sanctuary.render.poll() and bpy.ops.sanctuary.render_cancel.poll()  # one at a time
    result = operators.SANCTUARY_OT_render.modal(op, context, key)
    assert result == {"PASS_THROUGH"} and operators.running_render() is not None  # keys go on to the artist
    bars = []
    while result == {"PASS_THROUGH"}:
        time.sleep(0.2)
        if any("/400 frames" in text for _, text in bars):  # the status bar counts frames: now Cancel
            bpy.ops.sanctuary.render_cancel()
        result = operators.SANCTUARY_OT_render.modal(op, context, tick)
        if callable(shown[-1]):  # the status bar draws itself with this, as Blender would call it
            log = []
            shown[-1](type("Header", (), {"layout": Recorder(log)})(), bpy.context)
            bars += [(e[1], e[2]) for e in log if e[0] == "progress"]
    assert result == {"FINISHED"} and operators.running_render() is None
    assert bars[0][1].startswith("Sanctuary: building the scene")
    assert any(f > 0 for f, _ in bars) and shown[-1] is None  # a filling bar, then the status bar restored
    assert reports[-1][0] == {"WARNING"} and "cancelled" in reports[-1][1]
    frames = sorted((tmp_path / "r").glob("frame_*.png"))
    assert 1 <= len(frames) < 400 and not list((tmp_path / "r").glob(".*part*"))

    # Blender ending the modal itself (another file opened): the render stops, the status bar comes back.
    operators._job["process"] = RenderProcess(["render", "--preset", "sketch", "--quality", "draft",
                                               "--frames", "1-400", "--out", str(tmp_path / "r2")])
    shown.clear()
    operators.SANCTUARY_OT_render.cancel(op, context)
    assert operators.running_render() is None and shown == [None]


def test_every_panel_draws_only_existing_properties_and_operators(registered):
    settings = registered
    log = []
    for panel in panels.CLASSES[1:]:
        if panel.poll(bpy.context) if hasattr(panel, "poll") else True:
            panel.draw(stand_in(panel, log), bpy.context)
    assert ("menu", "SANCTUARY_MT_presets") in log
    assert not any(e[0] == "template_list" for e in log)  # sub-panels wait for a preset
    bpy.ops.sanctuary.load_preset(name="default")
    bpy.ops.sanctuary.build()
    operators._job["process"] = type("Job", (), {"fraction": 0.5, "status": lambda self: "Sanctuary: 4/8"})()
    try:
        for panel in panels.CLASSES[1:]:
            assert panel.poll(bpy.context) if hasattr(panel, "poll") else True
            panel.draw(stand_in(panel, log), bpy.context)
    finally:
        operators._job["process"] = None
    ul = panels.SANCTUARY_UL_items
    for item in (settings.forest.species[0], settings.timeline.acts[0], settings.shots[0]):
        ul.draw_item(None, bpy.context, Recorder(log), None, item, 0, None, "", 0)
    check_log(log)
    ops = {e[1] for e in log if e[0] == "operator"}
    assert {"sanctuary.build", "sanctuary.apply_timeline", "sanctuary.render_cancel", "sanctuary.export",
            "sanctuary.save_preset", "sanctuary.list_edit", "sanctuary.copy_command"} <= ops
    assert ("progress", 0.5, "4/8") in log
    lists = {e[3] for e in log if e[0] == "template_list"}
    assert lists == {"species", "acts", "shots"}
    drawn = {e[2] for e in log if e[0] == "prop"}
    assert {"tree_count", "crown_radius", "pulse_bpm", "coverage", "tending", "lens", "render_output", "hum_hz",
            "approach"} <= drawn
    # The act's own fields only: a reach shows its distances, not a gather's pattern.
    log.clear()
    settings.timeline.acts_index = 0
    panels.SANCTUARY_PT_tending.draw(stand_in(panels.SANCTUARY_PT_tending, log), bpy.context)
    drawn = {e[2] for e in log if e[0] == "prop"}
    assert "from_distance" in drawn and "pattern" not in drawn


@pytest.mark.slow  # exports
def test_export_from_the_panel(registered, tmp_path):
    scene = bpy.context.scene
    assert not bpy.ops.sanctuary.export.poll()  # nothing built yet
    bpy.ops.sanctuary.load_preset(name="sketch")
    bpy.ops.sanctuary.build()
    scene.frame_start, scene.frame_end = 40, 44
    scene.sanctuary.export_format = "glb"
    scene.sanctuary.export_path = str(tmp_path / "from_panel")  # the format's extension is added
    assert bpy.ops.sanctuary.export() == {"FINISHED"}
    assert (tmp_path / "from_panel.glb").read_bytes()[:4] == b"glTF"
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    scene.sanctuary.export_path = str(blocker / "x.glb")
    with pytest.raises(RuntimeError, match="Output: cannot create"):  # said in the panel's words
        bpy.ops.sanctuary.export()  # an ERROR report (a RuntimeError in background mode), not a traceback
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "user_presets") == [
        "a_file", "from_panel.glb", "from_panel_sky.hdr"]
    # "//" means beside the .blend: with the file unsaved it is refused, as Render refuses it, not written
    # into whatever folder Blender started in.
    assert not bpy.data.filepath
    for path in ("//beside.glb", ""):
        scene.sanctuary.export_path = path
        with pytest.raises(RuntimeError, match="export_path: the .blend is not saved yet"):
            bpy.ops.sanctuary.export()
    assert not any(Path.cwd().glob("beside*")) and not any(Path.cwd().glob("sanctuary.glb"))


def test_version_exposed():
    assert sanctuary.__version__.count(".") == 2


def test_settings_save_with_the_blend(registered, tmp_path):
    settings = registered
    bpy.ops.sanctuary.load_preset(name="sketch")
    settings.forest.tree_count = 23
    settings.timeline.acts[0].duration = 2.5
    settings.shots_index = 2
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "saved.blend"))
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    assert bpy.context.scene.sanctuary.preset == ""
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "saved.blend"))
    settings = bpy.context.scene.sanctuary
    assert settings.preset == "sketch" and settings.shots_index == 2
    assert props.panel_preset(settings).sets == ["forest.tree_count=23", "timeline.acts[0].duration=2.5"]


@pytest.mark.slow  # spawns Blender processes
def test_inside_blender_the_render_runs_in_blender_itself(tmp_path):
    """No Blender binary here: check the command line, and run its Python with this interpreter."""
    import subprocess
    import sys

    from sanctuary.jobs.child import command

    cmd = command(["validate", "sketch", "--json"], binary="/opt/blender-4.2/blender")
    assert cmd[:4] == ["/opt/blender-4.2/blender", "--background", "--factory-startup", "--python-expr"]
    proc = subprocess.run([sys.executable, "-c", cmd[4]], capture_output=True, text=True, cwd=tmp_path)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert proc.returncode == 0 and len(lines) == 1 and json.loads(lines[0])["ok"], proc.stderr
    bad = command(["validate", "no_such_preset"], binary="blender")
    proc = subprocess.run([sys.executable, "-c", bad[4]], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and "no preset named 'no_such_preset'" in proc.stderr
    assert command(["presets"], binary="")[:3] == [sys.executable, "-m", "sanctuary"]


@pytest.mark.slow  # synthesises two soundtracks and renders
def test_preview_sound_lays_the_soundtrack_in_the_sequencer(registered, tmp_path):
    from sanctuary.blender import compat

    scene = bpy.context.scene
    bpy.ops.sanctuary.load_preset(name="sketch")
    assert not bpy.ops.sanctuary.preview_sound.poll()  # nothing built yet
    bpy.ops.sanctuary.build()
    fingerprint = scene.sanctuary.fingerprint
    if not bpy.app.build_options.audaspace:  # bpy 4.2.23 from PyPI: reported, nothing added
        with pytest.raises(RuntimeError, match="built without audio"):
            bpy.ops.sanctuary.preview_sound()
        assert not scene.sequence_editor or not len(compat.sequencer_strips(scene))
        return
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "dream.blend"))
    assert bpy.ops.sanctuary.preview_sound() == {"FINISHED"}
    assert bpy.ops.sanctuary.preview_sound() == {"FINISHED"}  # again: replaced, not stacked
    strips = compat.sequencer_strips(scene)
    assert [s.name for s in strips] == ["Sanctuary soundtrack"] and len(bpy.data.sounds) == 1
    assert compat.strip_duration(strips[0]) == scene.frame_end - scene.frame_start + 1
    assert (tmp_path / "sanctuary_soundtrack.wav").is_file()
    assert jobs.describe_open_scene()["fingerprint"] == fingerprint
    # A sound strip does not turn F12 into a sequencer render: the frame still shows the dream.
    scene.render.resolution_x, scene.render.resolution_y, scene.render.resolution_percentage = 64, 36, 100
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 1
    scene.render.filepath = str(tmp_path / "still.png")
    bpy.ops.render.render(write_still=True)
    still = bpy.data.images.load(str(tmp_path / "still.png"))
    assert np.asarray(still.pixels[:]).reshape(-1, 4)[:, :3].mean() > 0.01
