"""The scene fingerprint: a hash of what a build made, identical for identical scenes.

It covers mesh data, transforms, camera and light settings, material and world
node values and every keyframe, plus the scene's clock and markers. Names of
ID copies (".001") and build tokens are left out so a rebuild of the same
preset and seed gives the same fingerprint.
"""
from __future__ import annotations

import hashlib
import re
import struct

import numpy as np

from . import compat

SUFFIX = re.compile(r"\.\d{3}$")


class Hasher:
    def __init__(self):
        self.h = hashlib.sha256()

    def add(self, *values) -> None:
        for v in values:
            if isinstance(v, np.ndarray):
                self.h.update(v.tobytes())
            elif isinstance(v, bool) or v is None:
                self.h.update(repr(v).encode())
            elif isinstance(v, int):
                self.h.update(struct.pack("<q", v))
            elif isinstance(v, float):
                self.h.update(struct.pack("<d", v))
            elif isinstance(v, str):
                self.h.update(SUFFIX.sub("", v).encode() + b"\0")
            else:
                try:
                    self.add(*tuple(v))
                except TypeError:
                    self.h.update(repr(v).encode())

    def digest(self) -> str:
        return self.h.hexdigest()[:16]


def _floats(collection, attr: str, width: int) -> np.ndarray:
    arr = np.empty(len(collection) * width, dtype=np.float32)
    collection.foreach_get(attr, arr)
    return arr


def _ints(collection, attr: str, width: int = 1) -> np.ndarray:
    arr = np.empty(len(collection) * width, dtype=np.int32)
    collection.foreach_get(attr, arr)
    return arr


def _animation(h: Hasher, id_data) -> None:
    for fc in sorted(compat.fcurves(id_data), key=lambda f: (f.data_path, f.array_index)):
        h.add(fc.data_path, fc.array_index, fc.extrapolation)
        kp = fc.keyframe_points
        h.add(_floats(kp, "co", 2), _floats(kp, "handle_left", 2), _floats(kp, "handle_right", 2))
        h.add([k.interpolation for k in kp])


def _socket_value(sock):
    v = getattr(sock, "default_value", None)
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    try:
        return tuple(v)
    except TypeError:  # object/collection/material pointers
        return getattr(v, "name", repr(type(v)))


def _node_tree(h: Hasher, tree, seen: set) -> None:
    # Embedded trees (materials, world) all share the name "Shader Nodetree": key by pointer.
    if tree is None or tree.as_pointer() in seen:
        return
    seen.add(tree.as_pointer())
    for node in sorted(tree.nodes, key=lambda n: n.name):
        h.add(node.name, node.bl_idname)
        for sock in node.inputs:
            if not sock.is_linked:
                h.add(sock.identifier, _socket_value(sock))
        if getattr(node, "node_tree", None) is not None:
            _node_tree(h, node.node_tree, seen)
    for link in tree.links:
        h.add(link.from_node.name, link.from_socket.identifier, link.to_node.name, link.to_socket.identifier)
    _animation(h, tree)


def fingerprint(scene, collection) -> str:
    """Hash of the build as evaluated at the first frame (transforms follow their keys)."""
    current = scene.frame_current
    scene.frame_set(scene.frame_start)  # evaluated: transforms are those of the keys there
    try:
        return _fingerprint(scene, collection)
    finally:
        if current != scene.frame_start:  # back where it was (a frame change evaluates the whole forest)
            scene.frame_set(current)


def _fingerprint(scene, collection) -> str:
    h = Hasher()
    h.add(scene.frame_start, scene.frame_end, scene.render.fps)
    h.add(sorted((m.name, m.frame, m.camera.name if m.camera else "") for m in scene.timeline_markers))
    seen_trees: set = set()
    if scene.world is not None:
        _node_tree(h, scene.world.node_tree, seen_trees)
    # In name order without copy suffixes: a build is described while the one it replaces still exists.
    for obj in sorted(collection.all_objects, key=lambda o: SUFFIX.sub("", o.name)):
        h.add(obj.name, obj.type, obj.parent.name if obj.parent else "")
        h.add(np.array(obj.matrix_world, dtype=np.float32))
        _animation(h, obj)
        data = obj.data
        if obj.type == "MESH":
            h.add(len(data.vertices), _floats(data.vertices, "co", 3), _ints(data.loops, "vertex_index"))
            h.add(_ints(data.polygons, "loop_total"))
            for mat in data.materials:
                if mat is not None:
                    h.add(mat.name)
                    _node_tree(h, mat.node_tree, seen_trees)
        elif obj.type == "LIGHT":
            h.add(data.type, data.energy, tuple(data.color))
        elif obj.type == "CAMERA":
            h.add(data.lens, data.sensor_width, data.dof.use_dof, data.dof.aperture_fstop)
        if data is not None:
            _animation(h, data)
        for mod in obj.modifiers:
            h.add(mod.name, mod.type)
            if mod.type == "NODES":
                _node_tree(h, mod.node_group, seen_trees)
    return h.digest()
