"""Export profiles: the film as rendered, or a scene a real-time client can draw every frame.

The film profile carries the scene as the render has it: the default forest's 212,400 mercury leaves at
616 triangles each, about 130 million triangles a frame, which no browser or game engine draws at
interactive rates. The real-time profile keeps the same scene, animation and materials, lighter:
- every instanced shape (mercury and fallen leaves, frost crystals, motes) at a level of detail of at most
  LOD_TRIANGLES triangles, made by Blender's Decimate modifier (collapse); a shape made of many separate
  parts (a frost dendrite's 30 boxes) keeps two triangles a part;
- at most FROST_CAP frost crystals, an even subset of them;
- the trees' bark decimated to TREE_RATIO of its triangles;
- no KHR_materials_transmission or KHR_materials_volume: three.js draws the whole opaque scene a second
  time to a texture for a transmissive material, so glassy materials go out alpha-blended instead.
The instances and the transmission are glTF's (the other formats carry neither); the trees' decimation
applies to every format.
"""
from __future__ import annotations

import contextlib

import bpy

from ..blender import names

LOD_TRIANGLES = 16  # a leaf of 16 triangles keeps its outline and its curl at the sizes a client shows it
FROST_CAP = 2000
TREE_RATIO = 0.5
GLASS_ALPHA = 0.35  # the opacity a fully transmissive material keeps when its transmission is dropped
DROPPED = ("KHR_materials_transmission", "KHR_materials_volume")


@contextlib.contextmanager
def instancing(scene, profile: str):
    """(shape_mesh, caps) for instances.add_gpu_instances and usd.finish_usd under `profile`: the shapes as
    they are (None, None) for the film, LOD meshes and the frost cap for realtime (removed afterwards)."""
    if profile != "realtime":
        yield None, None
        return
    lods = ShapeLods(scene)
    try:
        yield lods, {names.CRYSTALS: FROST_CAP}
    finally:
        lods.close()


def triangles(mesh) -> int:
    mesh.calc_loop_triangles()
    return len(mesh.loop_triangles)


def decimated(obj, ratio: float):
    """A new mesh: obj's evaluated mesh with a Decimate (collapse) modifier at ratio (0..1) on top.
    The caller removes it (bpy.data.meshes.remove)."""
    mod = obj.modifiers.new("sanctuary_lod", "DECIMATE")
    try:
        mod.ratio = ratio
        depsgraph = bpy.context.evaluated_depsgraph_get()
        return bpy.data.meshes.new_from_object(obj.evaluated_get(depsgraph), depsgraph=depsgraph)
    finally:
        obj.modifiers.remove(mod)


class ShapeLods:
    """Level-of-detail meshes of the instanced shapes, made once per export and removed by close()."""

    def __init__(self, scene, max_triangles: int = LOD_TRIANGLES):
        self.scene, self.max_triangles, self.made = scene, max_triangles, {}

    def __call__(self, source):
        """The mesh to write for an instanced shape (an object): its own, or a decimated copy."""
        if source.name not in self.made:
            n = triangles(source.data)
            if n <= self.max_triangles:
                self.made[source.name] = None
            else:
                # A hidden shape is not in the depsgraph: decimate a stand-in linked to the scene for the while.
                proxy = bpy.data.objects.new("sanctuary_lod", source.data)
                self.scene.collection.objects.link(proxy)
                try:
                    self.made[source.name] = decimated(proxy, self.max_triangles / n)
                finally:
                    bpy.data.objects.remove(proxy)
        return self.made[source.name] or source.data

    def close(self) -> None:
        for mesh in self.made.values():
            if mesh is not None:
                bpy.data.meshes.remove(mesh)
        self.made.clear()


@contextlib.contextmanager
def lighter_trees(scene, ratio: float = TREE_RATIO):
    """Within the block every tree's bark is a decimated copy (ratio of its triangles); restored after,
    also when the exporter fails."""
    swapped = []
    try:
        for obj in scene.objects:
            if obj.type == "MESH" and names.is_tree(obj.name):
                light = decimated(obj, ratio)
                swapped.append((obj, obj.data))
                obj.data = light
        yield
    finally:
        for obj, mesh in swapped:
            light = obj.data
            obj.data = mesh
            bpy.data.meshes.remove(light)


def drop_transmission(doc: dict) -> int:
    """glTF materials without transmission or volume: alpha-blended at an opacity that falls with the
    transmission they had (1 - (1 - GLASS_ALPHA) x transmissionFactor). Returns how many changed."""
    changed = 0
    for mat in doc.get("materials", []):
        ext = mat.get("extensions", {})
        if not any(k in ext for k in DROPPED):
            continue
        t = ext.get(DROPPED[0], {}).get("transmissionFactor", 0.0)
        for k in DROPPED:
            ext.pop(k, None)
        if not ext:
            mat.pop("extensions", None)
        pbr = mat.setdefault("pbrMetallicRoughness", {})
        base = list(pbr.get("baseColorFactor", [1.0, 1.0, 1.0, 1.0]))
        base[3] = base[3] * (1.0 - (1.0 - GLASS_ALPHA) * t)
        pbr["baseColorFactor"] = base
        if base[3] < 1.0:
            mat["alphaMode"] = "BLEND"
        changed += 1
    still = {k for m in doc.get("materials", []) for k in m.get("extensions", {})}
    for key in ("extensionsUsed", "extensionsRequired"):
        if key in doc:
            doc[key] = [e for e in doc[key] if e not in DROPPED or e in still]
            if not doc[key]:
                del doc[key]
    return changed
