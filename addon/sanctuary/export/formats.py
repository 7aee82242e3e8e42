"""Exporting the built scene with Blender's own exporters, atomically.

Each exporter writes into a private temporary folder next to the target;
every file it wrote is checked whole (files.finish) and moved into place, the
main file last, so a failure or a full disk leaves nothing half-written.
Keyword arguments are filtered by what the running Blender's operator accepts
(they differ between 4.2 and 5.0).
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import struct
from pathlib import Path

import bpy
import numpy as np

from .. import files
from ..blender import compat, names
from ..blender.names import EMISSIVE_TINT, INSTANCER, LINKED_LIGHT, RENDER_ONLY
from ..blender.tending import near_half_modifiers
from ..config.errors import ConfigError, Source
from ..files import WriteError
from ..jobs.paths import check_export_profile, export_format, writable_file
from . import environment, looks, realtime, usd
from .instances import GltfFile, add_gpu_instances, principled_bsdf
from .standins import make_standins, make_water_standins, remove_standins, remove_water_standins


def _gltf(path: Path, fmt: str, frames: tuple[int, int], profile: str = "film") -> None:
    op = bpy.ops.export_scene.gltf
    scene = bpy.context.scene
    # Static values are those of the clip's first frame (the exporter takes frame 0's unless told to
    # keep the current one), and the clip starts at 0 s: a player shows the opening at once.
    scene.frame_set(frames[0])
    # The stone's lichen, moss and stains as baked vertex colours; not the floor's: its pools are mirrors
    # (metallic) where its colour is pale, and glTF carries metalness per vertex in no attribute.
    detailed = [obj for obj in scene.objects if names.base(obj.name) == names.PEDESTAL]
    with instancers_at_rest(scene), looks.detail_colours(scene, frames[0], detailed) as detail:
        scene.frame_set(frames[0])
        op(**compat.operator_kwargs(
            op, filepath=str(path), export_format="GLB" if fmt == "glb" else "GLTF_SEPARATE",
            # One clip for the whole film (SCENE mode, not split per object); pointer animation
            # carries the heart's glow, light colours and powers (the shots' lenses are not keyed).
            export_animations=True, export_animation_mode="SCENE", export_anim_scene_split_object=False,
            export_pointer_animation=True, export_current_frame=True, export_anim_slide_to_zero=True,
            export_frame_range=True, export_force_sampling=True, export_cameras=True, export_lights=True,
            export_extras=True, export_apply=False, export_gn_mesh=False, use_selection=True,
            export_vertex_color="ACTIVE",  # the stone's baked colours (looks.detail_colours)
            # Lights in the units emission is in (gltf_intensity_per_watt): three.js at its default exposure
            # shows the render's values; in 'SPEC' (lux, candela) the lights were 683 times the emission.
            export_import_convert_lighting_mode="COMPAT"))
    scene.frame_set(frames[0])
    gltf = GltfFile(path)  # opened once for both additions: the default film's file is tens of MB
    finish_gltf(gltf, frames, scene.render.fps / scene.render.fps_base)
    instancers = {o.name for o in scene.objects if o.get(INSTANCER, False)}
    with realtime.instancing(scene, profile) as (shape_mesh, caps):
        add_gpu_instances(gltf, bpy.context.evaluated_depsgraph_get(), instancers, shape_mesh=shape_mesh, caps=caps)
    if profile == "realtime":
        realtime.drop_transmission(gltf.doc)
    for extension in looks.apply_to_gltf(gltf.doc, looks.measure(scene, frames[0]), detailed=set(detail)):
        gltf.use(extension)
    if scene.world is not None:
        sky = environment.write_sky(scene, frames[0], path.with_name(f"{path.stem}_sky.hdr"))
        gltf.doc["scenes"][gltf.doc.get("scene", 0)].setdefault("extras", {})["sanctuary_environment"] = sky
    gltf.save()


def finish_gltf(gltf: GltfFile, frames: tuple[int, int], fps: float) -> None:
    """What Blender's glTF exporter leaves out or gets wrong, written into its file:

    - a node-made emission colour goes out as white, and a strength at or under 1 is folded into
      emissiveFactor with KHR_materials_emissive_strength left empty (the keyed strength then plays
      on top of it, too dim): emissiveFactor becomes the colour seen whole (names.EMISSIVE_TINT, from
      the build) and emissiveStrength the material's strength at the first frame, written explicitly;
    - the clip's time 0 is film frame frames[0]: the scene's extras say so (sanctuary_clip), since
      shots, beats and events stay in film frames;
    - the scene's extras that Blender holds as JSON text (shots, beats, events, markers, build) become
      JSON objects;
    - keyed light powers play in the units of the static ones (fix_light_intensities)."""
    doc = gltf.doc
    for mat in doc.get("materials", []):
        tint = mat.get("extras", {}).get(EMISSIVE_TINT)
        source = bpy.data.materials.get(mat["name"])
        if tint is None or source is None:
            continue
        strength = principled_bsdf(source).inputs["Emission Strength"]
        mat["emissiveFactor"] = [float(v) for v in tint][:3]
        mat.setdefault("extensions", {})["KHR_materials_emissive_strength"] = {
            "emissiveStrength": float(strength.default_value)}
        gltf.use("KHR_materials_emissive_strength")
    fix_light_intensities(gltf, frames, fps)
    extras = doc["scenes"][doc.get("scene", 0)].setdefault("extras", {})
    for key, value in extras.items():  # Blender keeps the shots, beats, events as JSON text in ID properties
        if key.startswith("sanctuary_") and isinstance(value, str) and value[:1] in "[{":
            extras[key] = json.loads(value)
    extras["sanctuary_clip"] = {"time_zero_frame": int(frames[0]), "last_frame": int(frames[1]), "fps": fps}


LIGHT_INTENSITY = re.compile(r"^/extensions/KHR_lights_punctual/lights/(\d+)/intensity$")


def gltf_intensity_per_watt(light) -> float:
    """What Blender's glTF exporter, in its unitless lighting mode ('COMPAT'), multiplies a light's power
    by for KHR_lights_punctual's intensity: 1 / 4 pi sr for a point or spot light (W -> W/sr), 1 for a
    sun (W/m^2), times 2^exposure (io_scene_gltf2/blender/exp/lights.py, Blender 4.2-5.2). In these
    units a light and an emissive surface are in the same scale, as in Blender's render."""
    per_watt = 1.0 if light.type == "SUN" else 1.0 / (4.0 * math.pi)
    return per_watt * 2.0 ** getattr(light, "exposure", 0.0)


def fix_light_intensities(gltf: GltfFile, frames: tuple[int, int], fps: float) -> None:
    """Keyed light powers written from Blender's own F-curves, in the static values' units.

    Blender 4.2-5.2's exporter keys a point light's intensity 4 pi times its static value (the
    division by the solid angle is skipped unless a falloff node is used) and a sun's 683 times less
    (io_scene_gltf2/blender/exp/animation/sampled/data/keyframes.py): with an animation-pointer
    player the heart light flared twelvefold at the first frame and the sun went dark. Each sampler
    output is rewritten as gltf_intensity_per_watt x the light's power F-curve at the sampler's times."""
    doc = gltf.doc
    lights = doc.get("extensions", {}).get("KHR_lights_punctual", {}).get("lights", [])
    for clip in doc.get("animations", []):
        for ch in clip["channels"]:
            pointer = ch["target"].get("extensions", {}).get("KHR_animation_pointer", {}).get("pointer", "")
            match = LIGHT_INTENSITY.match(pointer)
            light = bpy.data.lights.get(lights[int(match[1])]["name"]) if match else None
            power = next((fc for fc in compat.fcurves(light) if fc.data_path == "energy"), None) if light else None
            if power is None:
                continue
            sampler = clip["samplers"][ch["sampler"]]
            times = gltf.floats(sampler["input"])[:, 0].copy()  # a kept view would block the buffer's growth
            # The exporter's times are (frame - frames[0]) / fps; fps here is fps / fps_base (the build
            # keeps fps_base 1, where the two agree).
            values = (gltf_intensity_per_watt(light) * compat.sample_curve(power, frames[0] + times * fps)).astype(
                np.float32)
            shared = sum(s["output"] == sampler["output"] for c in doc["animations"] for s in c["samplers"])
            if shared == 1:
                gltf.floats(sampler["output"])[:, 0] = values
            else:
                sampler["output"] = gltf.accessor(values, "SCALAR")


def _usd(path: Path, fmt: str, frames: tuple[int, int], profile: str = "film") -> list[str]:
    op = bpy.ops.wm.usd_export
    scene = bpy.context.scene
    with instancers_at_rest(scene):
        op(**compat.operator_kwargs(
            op, filepath=str(path), export_animation=True, export_materials=True, export_lights=True,
            export_cameras=True, selected_objects_only=True, visible_objects_only=False,
            export_custom_properties=True))
    # The instancers as they stand at the first exported frame, and the keyed emission (usd.py).
    scene.frame_set(frames[0])
    instancers = {o.name for o in scene.objects if o.get(INSTANCER, False)}
    with realtime.instancing(scene, profile) as (shape_mesh, caps):
        return usd.finish_usd(path, frames, bpy.context.evaluated_depsgraph_get(), instancers,
                              shape_mesh=shape_mesh, caps=caps, looks_of=looks.measure(scene, frames[0]))


def _abc(path: Path, fmt: str, frames: tuple[int, int], profile: str = "film") -> None:
    op = bpy.ops.wm.alembic_export
    with instancers_at_rest(bpy.context.scene):
        op(**compat.operator_kwargs(
            # Curves as meshes: the streams and moat grow by their bevel, which only a mesh carries.
            op, filepath=str(path), start=frames[0], end=frames[1], selected=True, curves_as_mesh=True,
            export_custom_properties=True, as_background_job=False))


@contextlib.contextmanager
def instancers_at_rest(scene):
    """Within the block the instancers are disabled in viewports and renders. Blender's exporters step
    through every exported frame evaluating the whole scene, and the instancers, which they do not export,
    ran their geometry nodes (the forest's 212,400 leaves and their drops) at every step. The hum's shells
    are whole: a scene a tier was applied to (a saved scene.blend) halves them in renders, and USD and
    Alembic evaluate as renders do. Restored after, also when the exporter fails."""
    resting = [(obj, obj.hide_viewport, obj.hide_render) for obj in scene.objects if obj.get(INSTANCER, False)]
    halved = [mod for mod in near_half_modifiers(scene) if compat.modifier_input(mod, names.NEAR_HALF)]
    try:
        for obj, _, _ in resting:
            obj.hide_viewport = obj.hide_render = True
        for mod in halved:
            compat.set_modifier_input(mod, names.NEAR_HALF, False)
        yield
    finally:
        for obj, viewport, render in resting:
            obj.hide_viewport, obj.hide_render = viewport, render
        for mod in halved:
            compat.set_modifier_input(mod, names.NEAR_HALF, True)


def select_exportable(scene, skip: set | frozenset = frozenset()) -> None:
    """Select everything but the instancers (leaves, drops, fallen leaves, frost crystals), the lights
    that mean something only through light linking (names.LINKED_LIGHT), what exists for Cycles'
    renders only (names.RENDER_ONLY: the air's volume box), and `skip`.

    Realized per frame, their few hundred thousand instances make USD and Alembic files of
    gigabytes (a 24-frame Alembic of the default forest: 2 GB, 15 GB of memory). glTF gets
    the leaves back as GPU instances (instances.py) and every format gets drop stand-ins
    (standins.py)."""
    for obj in scene.objects:
        obj.select_set(not any(obj.get(flag, False) for flag in (INSTANCER, LINKED_LIGHT, RENDER_ONLY))
                       and obj not in skip)


def restore_selection(scene, before: list) -> None:
    for obj in scene.objects:
        obj.select_set(obj in before)


def _fbx(path: Path, fmt: str, frames: tuple[int, int], profile: str = "film") -> None:
    op = bpy.ops.export_scene.fbx
    # Defaults crash on animated light data in 5.0.1 (BPY_NOTES): bake per object, no NLA.
    with instancers_at_rest(bpy.context.scene):
        op(**compat.operator_kwargs(
            op, filepath=str(path), use_selection=True, bake_anim=True, bake_anim_use_all_actions=False,
            bake_anim_use_nla_strips=False, add_leaf_bones=False, use_custom_props=True,
            bake_anim_step=1.0, bake_anim_simplify_factor=0.0))  # a key every frame: the pulse is fast
    render = bpy.context.scene.render
    set_fbx_time_span(path, frames, render.fps / render.fps_base)


# A KTime property's tail in a binary FBX: its type strings ("KTime", "Time", "") then an int64 (type L).
FBX_KTIME_PROPERTY = b"S\x05\x00\x00\x00KTimeS\x04\x00\x00\x00TimeS\x00\x00\x00\x00L"


def set_fbx_time_span(path: Path, frames: tuple[int, int], fps: float) -> None:
    """The file's time span (GlobalSettings TimeSpanStart/Stop, from which DCCs and engines take a scene's
    range) set to the exported frames, frames[0] / fps to frames[1] / fps. Blender's exporter writes 0 to
    1 s whatever it exports (io_scene_fbx/export_fbx_bin.py, fbx_header_elements); that 1 s is the file's
    KTime unit, read back from it. Patched in place: int64 for int64, nothing else moves. Raises
    WriteError if the file has not exactly one of each (an exporter that writes them otherwise)."""
    data = bytearray(path.read_bytes())
    at = {}
    for name in (b"TimeSpanStart", b"TimeSpanStop"):
        key = struct.pack("<I", len(name)) + name + FBX_KTIME_PROPERTY
        found = data.find(key)
        if found < 0 or data.find(key, found + 1) >= 0:
            raise WriteError(path, f"no single {name.decode()} in the FBX exporter's file")
        at[name] = found + len(key)
    (second,) = struct.unpack_from("<q", data, at[b"TimeSpanStop"])
    for name, frame in zip(at, frames):
        struct.pack_into("<q", data, at[name], round(frame / fps * second))
    path.write_bytes(bytes(data))


def save_blend(out: Path) -> None:
    """Save a copy of the open file; written beside the target (so relative paths hold), checked and
    renamed (files.finish)."""
    tmp = files.part_path(out)
    if bpy.data.images or bpy.data.fonts or bpy.data.sounds:
        bpy.ops.file.pack_all()  # self-contained: a farm node has none of our files
    try:
        bpy.ops.wm.save_as_mainfile(filepath=str(tmp), copy=True, compress=True, relative_remap=True)
    except RuntimeError as e:
        files.finish(tmp, out, detail=str(e))
    files.finish(tmp, out)


WRITERS = {"glb": _gltf, "gltf": _gltf, "usdc": _usd, "usda": _usd, "abc": _abc, "fbx": _fbx}


def export(out: str | Path, fmt: str | None = None, frames: tuple[int, int] | None = None, scene=None,
           should_stop=lambda: False, profile: str = "film", warnings: list | None = None) -> list[str]:
    """Export the scene to `out`; returns the files written (a .gltf brings its .bin). Raises WriteError
    when the export cannot be written whole, KeyboardInterrupt (nothing moved into place) when
    should_stop() has turned true by the time the exporter returns, ConfigError for a profile not in
    EXPORT_PROFILES ("film": as rendered; "realtime": for clients that draw every frame, realtime.py).
    What the export could not carry here is appended to `warnings` (one line each)."""
    scene = scene or bpy.context.scene
    out = Path(out)
    fmt = export_format(out, fmt)
    check_export_profile(profile, fmt)
    writable_file(out, f".{fmt}", Source.OUT)
    frames = frames or (scene.frame_start, scene.frame_end)
    if not frames[0] <= frames[1]:
        raise ConfigError(Source.FRAMES, "", f"first frame {frames[0]} is after last frame {frames[1]}")
    saved = (scene.frame_start, scene.frame_end, scene.frame_current)
    scene.frame_start, scene.frame_end = frames
    if fmt == "blend":
        try:
            save_blend(out)
            return [str(out)]
        finally:
            scene.frame_start, scene.frame_end, scene.frame_current = saved
    files.sweep_parts(out.parent)  # staging folders of exports that were killed
    staging = files.part_path(out.parent / out.name.replace(".", "_"))
    staging.mkdir()
    selection = [o for o in scene.objects if o.select_get()]
    standins, water = [], []
    try:
        standins = make_standins(scene, frames)
        # Alembic meshes the growing curves itself, per frame; the others get keyed tube meshes.
        water = [] if fmt == "abc" else make_water_standins(scene, frames)
        select_exportable(scene, skip={curve for _, curve in water})
        lighter = realtime.lighter_trees(scene) if profile == "realtime" else contextlib.nullcontext()
        try:
            with lighter:
                said = WRITERS[fmt](staging / out.name, fmt, frames, profile)
        except (OSError, RuntimeError) as e:  # a full disk arrives as an OSError, or quoted in Blender's error
            raise WriteError(out, files.cause(staging / out.name, e)) from None
        # Every file the exporter wrote (a .gltf's .bin, USD's textures/ folder) is checked whole before any
        # is moved into place, the main file last, so it appears only when all its parts are there.
        produced = sorted((p for p in staging.rglob("*") if p.is_file()), key=lambda p: p.name == out.name)
        if not produced or produced[-1].name != out.name:
            raise WriteError(out, f"the {fmt} exporter wrote no file")
        if should_stop():  # Ctrl-C while Blender's exporter ran: keep nothing of it
            raise KeyboardInterrupt()
        for p in produced:
            broken = files.problem(p, (out.suffix if p.name == out.name else p.suffix))
            if broken is not None:
                raise WriteError(out.parent / p.relative_to(staging), f"{files.cause(p)} ({broken})")
        written = []
        for p in produced:
            target = out.parent / p.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            kept = files.part_path(target)
            os.replace(p, kept)
            written.append(str(files.finish(kept, target)))
        if warnings is not None and said:
            warnings.extend(said)
        return written
    finally:
        restore_selection(scene, selection)
        remove_water_standins(water)
        remove_standins(standins)
        shutil.rmtree(staging, ignore_errors=True)
        scene.frame_start, scene.frame_end, scene.frame_current = saved
