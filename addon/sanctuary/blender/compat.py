"""Every difference between Blender 4.2 LTS, 4.5 LTS, 5.0, 5.1 and 5.2 that Sanctuary touches.

Callers never test `bpy.app.version` themselves; they ask here. Each function
says which versions differ and how; tests/blender/test_compat.py checks each on the
Blender it runs on (CI runs all five).
"""
from __future__ import annotations

import math

import bpy

VERSION = bpy.app.version


def fcurves(id_data) -> list:
    """The F-curves animating an ID, for any action layout.

    4.2-4.3: `Action.fcurves`. 4.4+: slotted actions, fcurves live in the
    channelbag of the ID's slot (5.0 removed `Action.fcurves` entirely).
    """
    anim = getattr(id_data, "animation_data", None)
    action = anim.action if anim else None
    if action is None:
        return []
    if hasattr(action, "layers") and getattr(anim, "action_slot", None) is not None:
        from bpy_extras import anim_utils

        bag = anim_utils.action_get_channelbag_for_slot(action, anim.action_slot)
        return list(bag.fcurves) if bag else []
    return list(getattr(action, "fcurves", ()))


def eevee_engine() -> str:
    """EEVEE's engine id: 'BLENDER_EEVEE_NEXT' in 4.2-4.5, 'BLENDER_EEVEE' again in 5.0."""
    items = bpy.types.RenderSettings.bl_rna.properties["engine"].enum_items.keys()
    return "BLENDER_EEVEE_NEXT" if "BLENDER_EEVEE_NEXT" in items else "BLENDER_EEVEE"


def engine_id(name: str) -> str:
    """Blender's engine id for a quality tier's engine name."""
    return {"CYCLES": "CYCLES", "WORKBENCH": "BLENDER_WORKBENCH", "EEVEE": eevee_engine()}[name]


def compositor_tree(scene, create: bool = True):
    """The scene's compositing node tree.

    5.0: a CompositorNodeTree data-block assigned to `scene.compositing_node_group`.
    4.2-4.5: `scene.node_tree`, created by `scene.use_nodes = True`.
    Returns None when there is none and create is False.
    """
    if hasattr(scene, "compositing_node_group"):
        tree = scene.compositing_node_group
        if tree is None and create:
            tree = bpy.data.node_groups.new(f"{scene.name} Compositing", "CompositorNodeTree")
            scene.compositing_node_group = tree
        return tree
    if scene.node_tree is None and create:
        scene.use_nodes = True
    return scene.node_tree


def sequencer_strips(scene):
    """Strips of the sequencer: `.strips` in 5.0, `.sequences` before."""
    editor = scene.sequence_editor or scene.sequence_editor_create()
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def has_audio() -> bool:
    """Sound strips and muxed audio need Audaspace: Blender has it, bpy 4.2.23 from PyPI was built without."""
    return bool(getattr(bpy.app.build_options, "audaspace", True))


def set_video_output(scene) -> None:
    """MP4 / H.264 / AAC output; 5.0 wants media_type set before the format."""
    settings = scene.render.image_settings
    if hasattr(settings, "media_type"):
        settings.media_type = "VIDEO"
    settings.file_format = "FFMPEG"
    ff = scene.render.ffmpeg
    ff.format = "MPEG4"
    ff.codec = "H264"
    ff.audio_codec = "AAC"


def set_image_output(scene, file_format: str) -> None:
    """Still frames: PNG (8-bit RGB), OpenEXR (half float, DWAA) or Radiance HDR (float RGB)."""
    settings = scene.render.image_settings
    if hasattr(settings, "media_type"):
        settings.media_type = "IMAGE"
    settings.file_format = file_format
    if file_format == "OPEN_EXR":
        settings.color_depth = "16"
        settings.exr_codec = "DWAA"
    elif file_format == "HDR":
        settings.color_mode = "RGB"
    else:
        settings.color_mode = "RGB"
        settings.color_depth = "8"


def set_equirectangular(camera_data) -> None:
    """A panoramic camera that sees the whole sphere, equirectangular (the panorama's settings moved from
    Cycles' camera settings to the camera itself in 4.0; both kept for safety)."""
    camera_data.type = "PANO"
    if hasattr(camera_data, "panorama_type"):
        camera_data.panorama_type = "EQUIRECTANGULAR"
    else:
        camera_data.cycles.panorama_type = "EQUIRECTANGULAR"


def set_material_nodes(material) -> None:
    """New materials have a node tree in 5.0; before, use_nodes must be switched on."""
    if material.node_tree is None:
        material.use_nodes = True


def set_world_nodes(world) -> None:
    if world.node_tree is None:
        world.use_nodes = True


def operator_kwargs(op, **kwargs) -> dict:
    """Keep only the keyword arguments this Blender's operator accepts."""
    accepted = {p.identifier for p in op.get_rna_type().properties}
    return {k: v for k, v in kwargs.items() if k in accepted}


def can_register_cli() -> bool:
    return hasattr(bpy.utils, "register_cli_command")


def fcurve_ensure(id_data, data_path: str, index: int = 0, action_name: str = ""):
    """An F-curve animating id_data.data_path[index], creating the action (and slot) as needed."""
    anim = id_data.animation_data or id_data.animation_data_create()
    if anim.action is None:
        anim.action = bpy.data.actions.new(action_name or f"{id_data.name}Action")
    action = anim.action
    if hasattr(action, "fcurve_ensure_for_datablock"):  # 4.4+: slotted actions
        return action.fcurve_ensure_for_datablock(id_data, data_path, index=index)
    return action.fcurves.find(data_path, index=index) or action.fcurves.new(data_path, index=index)


def sample_curve(fc, frames):
    """An F-curve's values (N,) float64 at frames (N,): its own interpolation and extrapolation."""
    import numpy as np

    return np.array([fc.evaluate(float(f)) for f in frames])


def write_curve(id_data, data_path: str, frames, values, index: int = 0, linear: bool = True):
    """Key a whole sampled curve at once (foreach_set), far faster than keyframe_insert per frame.

    Raises AnimationPathError if data_path does not resolve on this Blender: an
    F-curve on a stale path is created without complaint and animates nothing.
    """
    import numpy as np

    if not path_resolves(id_data, data_path, index):
        raise AnimationPathError(f"{id_data.name}: F-curve path {data_path}[{index}] does not resolve "
                                 f"on Blender {bpy.app.version_string}")
    fc = fcurve_ensure(id_data, data_path, index)
    co = np.empty(2 * len(frames), dtype=np.float32)
    co[0::2], co[1::2] = frames, values
    fc.keyframe_points.clear()
    fc.keyframe_points.add(len(frames))
    fc.keyframe_points.foreach_set("co", co)
    interp = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR" if linear else "BEZIER"]
    fc.keyframe_points.foreach_set("interpolation", np.full(len(frames), interp.value, dtype=np.int32))
    fc.update()
    return fc


def compositor_scene_group(new_group, look):
    """What the scene's compositor will be, made before it is used (so making it cannot fail half way
    through a build's swap): on 5.0+, where the compositor is a node group of its own, a group of Render
    Layers -> the look group -> Group Output, made with new_group() (which names and tags it); on 4.x None
    (the scene's own tree is used, see use_compositor)."""
    if "compositing_node_group" not in bpy.types.Scene.bl_rna.properties:
        return None
    tree = new_group()
    tree.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
    _render_through(tree, look, tree.nodes.new("NodeGroupOutput"))
    return tree


def _render_through(tree, look, out) -> list:
    layers = tree.nodes.new("CompositorNodeRLayers")
    group = tree.nodes.new("CompositorNodeGroup")
    group.node_tree = look
    tree.links.new(layers.outputs["Image"], group.inputs[0])
    tree.links.new(group.outputs[0], out.inputs[0])
    for i, node in enumerate((layers, group, out)):
        node.location = (-300 + 300 * i, 0)
    return [layers, group, out]


def _link_passes(tree) -> None:
    """The mist and environment passes into the look group (the passes must be on: their sockets come and
    go with them)."""
    layers = next(n for n in tree.nodes if n.bl_idname == "CompositorNodeRLayers")
    group = next(n for n in tree.nodes if n.bl_idname == "CompositorNodeGroup")
    layers.update()
    for name, socket in (("Mist", layers.outputs.get("Mist")), ("Environment", environment_output(layers))):
        tree.links.new(socket, group.inputs[name])


def use_compositor(scene, look, scene_group):
    """Point the scene's compositor at the look; returns (commit, rollback), neither of which can fail.

    5.0+: `scene.compositing_node_group` is swapped (rollback swaps it back). 4.2-4.5: the compositor
    is the scene's own tree (`scene.node_tree` after `use_nodes`): Render Layers -> the look group ->
    Composite are added beside what is there; commit removes the rest, rollback removes what was added.
    """
    if scene_group is not None:
        before = scene.compositing_node_group
        scene.compositing_node_group = scene_group
        _link_passes(scene_group)
        return (lambda: None), (lambda: setattr(scene, "compositing_node_group", before))
    was_on = scene.use_nodes
    scene.use_nodes = True
    tree = scene.node_tree
    old = {n.name for n in tree.nodes}
    new = {n.name for n in _render_through(tree, look, tree.nodes.new("CompositorNodeComposite"))}
    _link_passes(tree)

    def keep(names):
        for node in [n for n in tree.nodes if n.name not in names]:
            tree.nodes.remove(node)

    def rollback():
        keep(old)
        scene.use_nodes = was_on

    return (lambda: keep(new)), rollback


def compositor_groups(scene) -> list:
    """The node groups the scene's compositor runs (the look group among them)."""
    tree = compositor_tree(scene, create=False)
    return [n.node_tree for n in (tree.nodes if tree is not None else ())
            if n.bl_idname == "CompositorNodeGroup" and n.node_tree is not None]


def set_bloom(node, threshold: float, size: float, strength: float) -> None:
    """Make a Glare node a bloom.

    threshold: brightness above which pixels glow; size: how far the glow
    reaches, as a fraction of the image (0..1, halving steps); strength: 0 off,
    1 the glow added at full.
    - 4.2: properties only; `size` is an exponent (9 covers the image, each step
      down halves it), and there is no strength: `mix` 0 adds the glare, -1 is off.
    - 4.5: `glare_type` is still a property; threshold, size and strength are
      input sockets. The old properties forward to them, but `threshold` forwards
      to a socket that does not exist ("RNA_float_get/set: NodeSocket.default_value
      not found" on every build, the value dropped), so set the sockets.
    - 5.0+: every setting is an input socket; menus take their labels.
    """
    if not hasattr(node, "glare_type"):
        node.inputs["Type"].default_value = "Bloom"
    else:
        node.glare_type = "BLOOM"
    if "Strength" not in node.inputs:  # 4.2
        node.threshold = threshold
        node.size = max(6, min(9, round(9 + math.log2(max(size, 1e-3)))))
        node.mix = 0.0 if strength > 0 else -1.0
        return
    node.inputs["Threshold"].default_value = threshold
    node.inputs["Size"].default_value = size
    node.inputs["Strength"].default_value = strength


def bloom_settings(node) -> tuple[float, float, float]:
    """(threshold, size as a fraction of the image, strength) of a bloom made by set_bloom."""
    if "Strength" not in node.inputs:
        return node.threshold, 2.0 ** (node.size - 9), 0.0 if node.mix <= -1.0 else 1.0
    return tuple(node.inputs[k].default_value for k in ("Threshold", "Size", "Strength"))


def compositor_mix(tree, blend: str = "MIX"):
    """A colour mix node: (node, factor, a, b, result) sockets. MixRGB until 4.5, the shared Mix after."""
    if hasattr(bpy.types, "CompositorNodeMixRGB"):
        node = tree.nodes.new("CompositorNodeMixRGB")
        node.blend_type = blend
        return node, node.inputs[0], node.inputs[1], node.inputs[2], node.outputs[0]
    node = tree.nodes.new("ShaderNodeMix")
    node.data_type = "RGBA"
    node.blend_type = blend
    ins = {s.identifier: s for s in node.inputs}
    outs = {s.identifier: s for s in node.outputs}
    return node, ins["Factor_Float"], ins["A_Color"], ins["B_Color"], outs["Result_Color"]


def compositor_multiply(tree):
    """A colour multiply node: (node, factor, a, b, result) sockets (see compositor_mix)."""
    return compositor_mix(tree, "MULTIPLY")


def compositor_math(tree, operation: str):
    """A math node in the compositor: CompositorNodeMath until 4.5, the shared ShaderNodeMath after."""
    node = tree.nodes.new("CompositorNodeMath" if hasattr(bpy.types, "CompositorNodeMath") else "ShaderNodeMath")
    node.operation = operation
    return node


def environment_output(layers):
    """The Render Layers node's environment pass (the sky seen directly): "Env" in 4.x, "Environment" in 5.0+."""
    return layers.outputs.get("Env") or layers.outputs["Environment"]


def sun_beams(tree, length: float):
    """Light streaked from a point on the frame (the sun, on or off it): (node, image in, beams out,
    data path of the sun's position (0..1 across and up the frame) for keying).

    4.2-4.5: the Sun Beams node (4.2 keeps source and ray_length as properties, 4.5 as sockets);
    5.0 folded it into the Glare node as its Sun Beams type, whose Glare output is the beams alone.
    """
    if hasattr(bpy.types, "CompositorNodeSunBeams"):
        node = tree.nodes.new("CompositorNodeSunBeams")
        if "Length" in node.inputs:
            node.inputs["Length"].default_value = length
            source = node.inputs["Source"].path_from_id("default_value")
        else:
            node.ray_length = length
            source = node.path_from_id("source")
        return node, node.inputs["Image"], node.outputs["Image"], source
    node = tree.nodes.new("CompositorNodeGlare")
    node.inputs["Type"].default_value = "Sun Beams"
    node.inputs["Threshold"].default_value = 0.0  # every pixel of the sky streaks
    node.inputs["Size"].default_value = length
    node.inputs["Strength"].default_value = 1.0
    return node, node.inputs["Image"], node.outputs["Glare"], node.inputs["Sun Position"].path_from_id("default_value")


def set_view_passes(scene, mist: bool, environment: bool) -> tuple[bool, bool]:
    """Turn the mist and environment passes on or off; returns what they were."""
    layer = scene.view_layers[0]
    before = (layer.use_pass_mist, layer.use_pass_environment)
    layer.use_pass_mist, layer.use_pass_environment = mist, environment
    return before


def set_ellipse(node, centre: tuple[float, float], size: tuple[float, float]) -> None:
    """Ellipse Mask position and size, as fractions of the frame: properties in 4.x, sockets in 5.0."""
    if hasattr(node, "mask_width"):
        node.x, node.y = centre
        node.mask_width, node.mask_height = size
    else:
        node.inputs["Position"].default_value = centre
        node.inputs["Size"].default_value = size


def set_blur(node, pixels: int) -> None:
    """A Gaussian blur of this radius in pixels: properties in 4.x, sockets in 5.0."""
    if hasattr(node, "size_x"):
        node.filter_type = "FAST_GAUSS"
        node.size_x = node.size_y = pixels
    else:
        size = node.inputs["Size"]
        size.default_value = (pixels, pixels) if hasattr(size.default_value, "__len__") else pixels
        node.inputs["Type"].default_value = "Fast Gaussian"


def new_text_strip(strips, name: str, channel: int, frame: int):
    """A one-frame text strip; 5.0 takes a length, 4.x a frame_end."""
    params = strips.bl_rna.functions["new_effect"].parameters
    span = {"length": 1} if "length" in params else {"frame_end": frame + 1}
    return strips.new_effect(name=name, type="TEXT", channel=channel, frame_start=frame, **span)


class AnimationPathError(RuntimeError):
    """An F-curve whose data path names nothing on this Blender (it would silently animate nothing)."""


def path_resolves(id_data, data_path: str, index: int = -1) -> bool:
    """Whether id_data.<data_path>[index] names a property on this Blender."""
    try:
        value = id_data.path_resolve(data_path)
    except ValueError:
        return False
    if index > 0:
        try:
            return index < len(value)
        except TypeError:
            return False
    return True


def unresolved_fcurves(id_data) -> list[str]:
    """"data_path[index]" of each F-curve of id_data that animates nothing on this Blender."""
    return [f"{fc.data_path}[{fc.array_index}]" for fc in fcurves(id_data)
            if not path_resolves(id_data, fc.data_path, fc.array_index)]


def _group_input_identifier(group, name: str) -> str:
    """The identifier ("Socket_2") of the geometry-nodes group input called name."""
    for item in group.interface.items_tree:
        if getattr(item, "in_out", None) == "INPUT" and item.name == name:
            return item.identifier
    raise KeyError(f"{group.name} has no input {name!r}")


def modifier_input_path(mod, name: str) -> str:
    """The data path, from its object, of a geometry-nodes modifier's input (by the group input's name).

    Up to 5.1 the inputs are ID properties keyed by socket identifier,
    `modifiers["M"]["Socket_2"]`. 5.2 made them RNA properties,
    `modifiers["M"].properties.inputs.Socket_2.value`; the old path no longer
    resolves there.
    """
    ident = _group_input_identifier(mod.node_group, name)
    where = f'modifiers["{bpy.utils.escape_identifier(mod.name)}"]'
    if hasattr(mod, "properties"):
        return f"{where}.properties.inputs.{ident}.value"
    return f'{where}["{ident}"]'


def set_modifier_input(mod, name: str, value) -> None:
    """Set a geometry-nodes modifier's input by the group input's name (see modifier_input_path)."""
    ident = _group_input_identifier(mod.node_group, name)
    if hasattr(mod, "properties"):
        getattr(mod.properties.inputs, ident).value = value
    else:
        mod[ident] = value


def modifier_input(mod, name: str):
    """A geometry-nodes modifier's input value, by the group input's name."""
    return mod.id_data.path_resolve(modifier_input_path(mod, name))


def strip_duration(strip) -> int:
    """A strip's length in frames after its handles: `duration` from 5.1,
    `frame_final_duration` before (deprecated in 5.1, removed in 6.0)."""
    return strip.duration if hasattr(strip, "duration") else strip.frame_final_duration


def blend_relative_path() -> set:
    """Options of a path property that may hold Blender's "//" (beside the .blend): 4.5 added
    'PATH_SUPPORTS_BLEND_RELATIVE' and warns when "//" is set without it; 4.2 refuses the option."""
    return {"PATH_SUPPORTS_BLEND_RELATIVE"} if bpy.app.version >= (4, 5, 0) else set()


def replace_sound_strip(scene, name: str, path, frame_start: int) -> None:
    """One sound strip of this name in the scene's sequencer, playing path from frame_start (the old one
    and its sound, if no one else uses it, removed)."""
    strips = sequencer_strips(scene)
    old = strips.get(name)
    if old is not None:
        old_sound = old.sound
        strips.remove(old)
        if old_sound is not None and old_sound.users == 0:
            bpy.data.sounds.remove(old_sound)
    strips.new_sound(name=name, filepath=str(path), channel=1, frame_start=frame_start)


def usd_api():
    """The USD Python API (pxr) as a namespace (Usd, UsdGeom, UsdShade, Sdf, Vt, Gf, Tf), or None.

    The Blender application has it on its path; the bpy modules from 4.5 on bundle it in their own
    site-packages (bpy/X.Y/python/lib/pythonX.Y/site-packages), which `import bpy` does not put on
    sys.path; the 4.2 module has none (usd-core, where installed, serves)."""
    import importlib
    import sys
    import types
    from pathlib import Path

    def load():
        return types.SimpleNamespace(**{m: importlib.import_module(f"pxr.{m}")
                                        for m in ("Usd", "UsdGeom", "UsdShade", "Sdf", "Vt", "Gf", "Tf")})

    try:
        return load()
    except ImportError:
        pass
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    bundled = Path(bpy.utils.resource_path("LOCAL")) / "python" / "lib" / version / "site-packages"
    if not (bundled / "pxr").is_dir():
        return None
    sys.path.append(str(bundled))
    try:
        return load()
    except ImportError:
        return None
