"""The picture's finish: bloom (compositor glare) so the heart reads as light.

Built after the build commits; the compositor tree is the scene's, replaced on
every build (its node group is owned by the build in 5.0).
"""
from __future__ import annotations

from . import compat
from .datablocks import Owner


def _setting(node, name: str, socket: str, value, menu_item: str = "") -> None:
    """Glare settings are properties up to 4.5 and input sockets (menus by label) in 5.0."""
    if hasattr(node, name):
        setattr(node, name, value)
    elif socket in node.inputs:
        node.inputs[socket].default_value = menu_item or value


def apply_look(scene, owner: Owner) -> None:
    tree = compat.compositor_tree(scene)
    if compat.compositor_is_group(scene):
        owner.tag(tree)
    tree.nodes.clear()
    layers = tree.nodes.new("CompositorNodeRLayers")
    glare = tree.nodes.new("CompositorNodeGlare")
    bloom = compat.has_bloom()
    _setting(glare, "glare_type", "Type", "BLOOM" if bloom else "FOG_GLOW", "Bloom" if bloom else "Fog Glow")
    _setting(glare, "threshold", "Threshold", 1.0)
    _setting(glare, "size", "Size", 7)
    _setting(glare, "mix", "Mix", 0.0)
    if "Strength" in glare.inputs:
        glare.inputs["Strength"].default_value = 0.6
    layers.location, glare.location = (-300, 0), (0, 0)
    tree.links.new(layers.outputs["Image"], glare.inputs["Image"])
    out = compat.compositor_output(tree)
    out.location = (300, 0)
    tree.links.new(glare.outputs["Image"], out.inputs[0])
