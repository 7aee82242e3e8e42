"""The picture's finish: AgX look and exposure, bloom (compositor glare) so the
heart reads as light, and a gentle vignette.

The compositing is a node group owned by the build (`sanctuary_look`: image in,
bloom and vignette, image out), made with the rest of the build before it
commits; the scene's compositor is pointed at it only when the build swaps in
(`attach_look`), and back again if anything after that fails.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import compat, names
from .datablocks import Owner

VIGNETTE_BLUR = "sanctuary_vignette_blur"
VIGNETTE_SOFTNESS = 0.2  # blur radius as a fraction of the frame width
BLOOM_THRESHOLD = 1.0  # only what is brighter than white glows: the heart, glints
BLOOM_SIZE = 0.25  # the glow reaches a quarter of the frame


def view_look(name: str) -> str:
    """Preset look names ("medium_high_contrast") to Blender's ("AgX - Medium High Contrast")."""
    return "None" if name == "none" else "AgX - " + name.replace("_", " ").title()


@dataclass
class Look:
    settings: dict  # the preset's render section
    group: object  # the bloom and vignette (CompositorNodeTree)
    scene_group: object  # 5.0+: the scene's compositor around it; None on 4.x


def build_look(owner: Owner, cfg: dict) -> Look:
    """The finish as owned node groups, not yet used by the scene."""
    look = cfg["render"]
    tree = owner.new("node_groups", names.LOOK_GROUP, "CompositorNodeTree")
    tree.interface.new_socket("Image", in_out="INPUT", socket_type="NodeSocketColor")
    tree.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
    source = tree.nodes.new("NodeGroupInput")
    glare = tree.nodes.new("CompositorNodeGlare")
    compat.set_bloom(glare, BLOOM_THRESHOLD, BLOOM_SIZE, look["bloom"])
    tree.links.new(source.outputs[0], glare.inputs["Image"])

    # Vignette: a soft ellipse (1 inside, 1 - strength at the corners) multiplied in.
    mask = tree.nodes.new("CompositorNodeEllipseMask")
    compat.set_ellipse(mask, (0.5, 0.5), (1.05, 1.05))
    mask.inputs["Mask"].default_value = 1.0 - look["vignette"]
    mask.inputs["Value"].default_value = 1.0
    blur = tree.nodes.new("CompositorNodeBlur")
    blur.name = VIGNETTE_BLUR
    tree.links.new(mask.outputs["Mask"], blur.inputs["Image"])
    node, factor, a, b, result = compat.compositor_multiply(tree)
    factor.default_value = 1.0
    tree.links.new(glare.outputs["Image"], a)
    tree.links.new(blur.outputs["Image"], b)
    out = tree.nodes.new("NodeGroupOutput")
    tree.links.new(result, out.inputs[0])
    for i, n in enumerate((source, mask, glare, blur, node, out)):
        n.location = (-600 + 250 * i, 0)
    scene_group = compat.compositor_scene_group(
        lambda: owner.new("node_groups", names.COMPOSITING_GROUP, "CompositorNodeTree"), tree)
    return Look(dict(look), tree, scene_group)


def attach_look(scene, look: Look):
    """The scene's colour management and compositor use the look; returns (commit, rollback)."""
    view = scene.view_settings
    before = (view.view_transform, view.look, view.exposure)
    view.view_transform = "AgX"
    view.look = view_look(look.settings["look"])
    view.exposure = look.settings["exposure"]
    commit, undo_compositor = compat.use_compositor(scene, look.group, look.scene_group)

    def rollback():
        undo_compositor()
        view.view_transform, view.look, view.exposure = before

    fit_vignette(scene)
    return commit, rollback


def fit_vignette(scene) -> None:
    """The vignette's softness follows the output width (the blur is in pixels)."""
    for group in compat.compositor_groups(scene):
        node = group.nodes.get(VIGNETTE_BLUR)
        if node is not None:
            pct = scene.render.resolution_percentage / 100.0
            compat.set_blur(node, max(1, round(scene.render.resolution_x * pct * VIGNETTE_SOFTNESS)))
