"""The picture's finish: AgX look and exposure, bloom (compositor glare) so the
heart reads as light, and a gentle vignette.

Built after the build commits; the compositor tree is the scene's, replaced on
every build (its node group is owned by the build in 5.0).
"""
from __future__ import annotations

from . import compat
from .datablocks import Owner

VIGNETTE_BLUR = "sanctuary_vignette_blur"
VIGNETTE_SOFTNESS = 0.2  # blur radius as a fraction of the frame width
BLOOM_THRESHOLD = 1.0  # only what is brighter than white glows: the heart, glints
BLOOM_SIZE = 0.25  # the glow reaches a quarter of the frame


def view_look(name: str) -> str:
    """Preset look names ("medium_high_contrast") to Blender's ("AgX - Medium High Contrast")."""
    return "None" if name == "none" else "AgX - " + name.replace("_", " ").title()


def apply_look(scene, owner: Owner, cfg: dict) -> None:
    look = cfg["render"]
    scene.view_settings.view_transform = "AgX"
    scene.view_settings.look = view_look(look["look"])
    scene.view_settings.exposure = look["exposure"]

    tree = compat.compositor_tree(scene)
    if compat.compositor_is_group(scene):
        owner.tag(tree)
    tree.nodes.clear()
    layers = tree.nodes.new("CompositorNodeRLayers")
    glare = tree.nodes.new("CompositorNodeGlare")
    compat.set_bloom(glare, BLOOM_THRESHOLD, BLOOM_SIZE, look["bloom"])
    tree.links.new(layers.outputs["Image"], glare.inputs["Image"])

    # Vignette: a soft ellipse (1 inside, 1 - strength at the corners) multiplied in.
    mask = tree.nodes.new("CompositorNodeEllipseMask")
    compat.set_ellipse(mask, (0.5, 0.5), (1.05, 1.05))
    mask.inputs["Mask"].default_value = 1.0 - look["vignette"]
    mask.inputs["Value"].default_value = 1.0
    blur = tree.nodes.new("CompositorNodeBlur")
    blur.name = VIGNETTE_BLUR
    tree.links.new(mask.outputs["Mask"], blur.inputs["Image"])
    _node, factor, a, b, result = compat.compositor_multiply(tree)
    factor.default_value = 1.0
    tree.links.new(glare.outputs["Image"], a)
    tree.links.new(blur.outputs["Image"], b)
    fit_vignette(scene)

    out = compat.compositor_output(tree)
    tree.links.new(result, out.inputs[0])
    for i, node in enumerate((layers, mask, glare, blur, _node, out)):
        node.location = (-600 + 250 * i, 0)


def fit_vignette(scene) -> None:
    """The vignette's softness follows the output width (the blur is in pixels)."""
    tree = compat.compositor_tree(scene, create=False)
    node = tree.nodes.get(VIGNETTE_BLUR) if tree is not None else None
    if node is not None:
        pct = scene.render.resolution_percentage / 100.0
        compat.set_blur(node, max(1, round(scene.render.resolution_x * pct * VIGNETTE_SOFTNESS)))
