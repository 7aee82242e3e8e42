"""A small builder for node trees (shaders, geometry nodes) written as expressions.

    g = Graph(material.node_tree)
    fac = g.math("MULTIPLY", g.node("ShaderNodeTexNoise", Scale=4.0).outputs["Fac"], 0.5)
    g.link(fac, bsdf.inputs["Roughness"])

Inputs given as sockets are linked, anything else becomes the default value.
Nodes are laid out left to right in creation order so the trees stay readable
when an artist opens them.
"""
from __future__ import annotations

import bpy

NodeSocket = bpy.types.NodeSocket


class Graph:
    def __init__(self, tree):
        self.tree = tree
        self.nodes = tree.nodes
        self.links = tree.links
        self._column = 0

    def node(self, idname: str, inputs: dict | None = None, label: str = "", **props):
        n = self.nodes.new(idname)
        for key, value in props.items():
            setattr(n, key, value)
        for key, value in (inputs or {}).items():
            self.set(socket(n.inputs, key), value)
        if label:
            n.label = label
        n.location = (self._column * 200.0, -(self._column % 4) * 180.0)
        self._column += 1
        return n

    def set(self, socket, value) -> None:
        if isinstance(value, NodeSocket):
            self.links.new(value, socket)
        elif isinstance(value, bpy.types.Node):
            self.links.new(value.outputs[0], socket)
        else:
            socket.default_value = value

    def link(self, out, inp) -> None:
        self.set(inp, out)

    def math(self, op: str, a, b=0.0, c=0.0, clamp: bool = False):
        n = self.node("ShaderNodeMath", operation=op, use_clamp=clamp)
        for i, v in enumerate((a, b, c)):
            self.set(n.inputs[i], v)
        return n.outputs[0]

    def vmath(self, op: str, a, b=(0.0, 0.0, 0.0), scale: float | None = None):
        n = self.node("ShaderNodeVectorMath", operation=op)
        self.set(n.inputs[0], a)
        self.set(n.inputs[1], b)
        if scale is not None:
            self.set(n.inputs["Scale"], scale)
        out = "Value" if op in ("LENGTH", "DOT_PRODUCT", "DISTANCE") else "Vector"
        return n.outputs[out]

    def component(self, vector, axis: str):
        """One component ("X", "Y" or "Z") of a vector socket."""
        sep = self.node("ShaderNodeSeparateXYZ")
        self.set(sep.inputs["Vector"], vector)
        return sep.outputs[axis]

    def combine(self, x=0.0, y=0.0, z=0.0):
        n = self.node("ShaderNodeCombineXYZ")
        for i, v in enumerate((x, y, z)):
            self.set(n.inputs[i], v)
        return n.outputs[0]

    def named(self, name: str, data_type: str = "FLOAT"):
        """A geometry-nodes Named Attribute input."""
        n = self.node("GeometryNodeInputNamedAttribute", data_type=data_type)
        n.inputs["Name"].default_value = name
        return n.outputs["Attribute"]

    def mix_color(self, factor, a, b):
        """ShaderNodeMix in RGBA mode; its sockets share names, so go by identifier."""
        n = self.node("ShaderNodeMix", data_type="RGBA")
        ins = {s.identifier: s for s in n.inputs}
        self.set(ins["Factor_Float"], factor)
        self.set(ins["A_Color"], a)
        self.set(ins["B_Color"], b)
        return {s.identifier: s for s in n.outputs}["Result_Color"]

    def over_clear(self, factor, shader):
        """A Mix Shader of a Transparent BSDF (factor 0) and `shader` (factor 1); returns its output."""
        mix = self.node("ShaderNodeMixShader")
        self.set(mix.inputs[0], factor)
        self.link(self.node("ShaderNodeBsdfTransparent").outputs[0], mix.inputs[1])
        self.link(shader, mix.inputs[2])
        return mix.outputs[0]

    def map_range(self, value, from_min, from_max, to_min, to_max, clamp: bool = True, smooth: bool = False):
        n = self.node("ShaderNodeMapRange", clamp=clamp, interpolation_type="SMOOTHSTEP" if smooth else "LINEAR")
        for i, v in enumerate((value, from_min, from_max, to_min, to_max)):
            self.set(n.inputs[i], v)
        return n.outputs[0]


def socket(sockets, key):
    """A socket by index, identifier or name; by name, the first one that is enabled
    (several nodes keep one hidden socket per data type under the same name)."""
    if isinstance(key, int):
        return sockets[key]
    for s in sockets:
        if s.identifier == key:
            return s
    for s in sockets:
        if s.name == key and s.enabled:
            return s
    return sockets[key]


def geometry_group(owner, name: str, inputs: list[tuple[str, str]]):
    """A geometry-nodes group with a Geometry input/output plus the given (name, socket type) inputs."""
    tree = owner.new("node_groups", name, "GeometryNodeTree")
    tree.interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    for sock_name, sock_type in inputs:
        tree.interface.new_socket(sock_name, in_out="INPUT", socket_type=sock_type)
    tree.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    g = Graph(tree)
    group_in = g.node("NodeGroupInput")
    group_out = g.node("NodeGroupOutput")
    return g, group_in, group_out

