"""The mercury leaves in glTF as GPU instances (EXT_mesh_gpu_instancing).

Blender's glTF exporter cannot carry the forest's geometry-nodes leaves: with
`export_gn_mesh` it makes a node per instance and bakes each per frame (48
frames of the sketch preset's 8,192 instances ran past 10 minutes). So the
leaves are left out of that export and added to its file afterwards: one node
per leaf shape, whose instances' translations, rotations and scales are
accessors, as they stand at the first exported frame. Their drops, which
fall and re-form, travel as keyed stand-in objects (export/standins.py).
"""
from __future__ import annotations

import json
import struct
from pathlib import Path
from urllib.parse import unquote

import numpy as np

from ..blender import names

# Blender is Z-up, glTF Y-up: (x, y, z) -> (x, z, -y).
TO_GLTF = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
FLOAT, UINT = 5126, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
EXTENSION = "EXT_mesh_gpu_instancing"
IRIDESCENCE = "KHR_materials_iridescence"


def quaternions(rot: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotation matrices -> (N, 4) unit quaternions, glTF order (x, y, z, w)."""
    m = rot
    w = np.sqrt(np.maximum(0.0, 1.0 + m[:, 0, 0] + m[:, 1, 1] + m[:, 2, 2])) / 2
    x = np.sqrt(np.maximum(0.0, 1.0 + m[:, 0, 0] - m[:, 1, 1] - m[:, 2, 2])) / 2
    y = np.sqrt(np.maximum(0.0, 1.0 - m[:, 0, 0] + m[:, 1, 1] - m[:, 2, 2])) / 2
    z = np.sqrt(np.maximum(0.0, 1.0 - m[:, 0, 0] - m[:, 1, 1] + m[:, 2, 2])) / 2
    x = np.copysign(x, m[:, 2, 1] - m[:, 1, 2])
    y = np.copysign(y, m[:, 0, 2] - m[:, 2, 0])
    z = np.copysign(z, m[:, 1, 0] - m[:, 0, 1])
    q = np.stack([x, y, z, w], axis=1)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def to_trs(matrices: np.ndarray, basis: np.ndarray = TO_GLTF) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blender world matrices (N, 4, 4) -> translations (N, 3), rotations (N, 4: x, y, z, w), scales (N, 3)
    in `basis` (glTF's Y-up by default; the identity keeps Blender's Z-up)."""
    lin = basis @ matrices[:, :3, :3] @ basis.T
    scale = np.linalg.norm(lin, axis=1)  # column lengths
    flat = (scale == 0).any(axis=1)  # a shrunk-away instance has no rotation to speak of
    rot = np.where(flat[:, None, None], np.eye(3), lin / np.where(scale == 0, 1.0, scale)[:, None, :])
    return (matrices[:, :3, 3] @ basis.T), quaternions(rot), scale


class GltfFile:
    """A .glb, or a .gltf with its one .bin, opened for appending data."""

    def __init__(self, path: Path):
        self.path = path
        data = path.read_bytes()
        if data[:4] == b"glTF":
            (json_len,) = struct.unpack("<I", data[12:16])
            self.doc = json.loads(data[20:20 + json_len])
            self.blob = bytearray(data[20 + json_len + 8:])
            self.bin_path = None
        else:
            self.doc = json.loads(data)
            # A URI: "a b.gltf" refers to "a%20b.bin" (glTF 2.0, 2.8: percent-encoded, RFC 3986).
            self.bin_path = path.with_name(unquote(self.doc["buffers"][0]["uri"]))
            self.blob = bytearray(self.bin_path.read_bytes())

    def accessor(self, array: np.ndarray, kind: str, component: int = FLOAT, target: int | None = None,
                 bounds: bool = False) -> int:
        array = np.ascontiguousarray(array, np.uint32 if component == UINT else np.float32)
        self.blob += b"\0" * (-len(self.blob) % 4)
        view = {"buffer": 0, "byteOffset": len(self.blob), "byteLength": array.nbytes}
        if target:
            view["target"] = target
        self.blob += array.tobytes()
        self.doc.setdefault("bufferViews", []).append(view)
        acc = {"bufferView": len(self.doc["bufferViews"]) - 1, "componentType": component,
               "count": int(array.shape[0]), "type": kind}
        if bounds:
            acc["min"], acc["max"] = array.min(0).tolist(), array.max(0).tolist()
        self.doc.setdefault("accessors", []).append(acc)
        return len(self.doc["accessors"]) - 1

    def floats(self, index: int) -> np.ndarray:
        """A float accessor's data, (count, components); a view into the file's buffer (writable in place;
        copy what you keep, since a live view stops accessor() from growing the buffer: BufferError)."""
        acc = self.doc["accessors"][index]
        view = self.doc["bufferViews"][acc["bufferView"]]
        width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[acc["type"]]
        if acc["componentType"] != FLOAT or view.get("byteStride", 4 * width) != 4 * width:
            raise ValueError(f"accessor {index} is not tightly packed floats")
        start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
        return np.frombuffer(self.blob, np.float32, acc["count"] * width, start).reshape(-1, width)

    def add(self, key: str, item: dict) -> int:
        self.doc.setdefault(key, []).append(item)
        return len(self.doc[key]) - 1

    def use(self, extension: str) -> None:
        used = self.doc.setdefault("extensionsUsed", [])
        if extension not in used:
            used.append(extension)

    def save(self) -> None:
        self.doc["buffers"][0]["byteLength"] = len(self.blob)
        if self.bin_path is not None:
            self.bin_path.write_bytes(self.blob)
            self.path.write_text(json.dumps(self.doc))
            return
        text = json.dumps(self.doc).encode()
        text += b" " * (-len(text) % 4)
        self.blob += b"\0" * (-len(self.blob) % 4)
        total = 12 + 8 + len(text) + 8 + len(self.blob)
        self.path.write_bytes(b"".join([
            b"glTF", struct.pack("<II", 2, total),
            struct.pack("<I", len(text)), b"JSON", text,
            struct.pack("<I", len(self.blob)), b"BIN\0", bytes(self.blob)]))


def shape_arrays(mesh) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A leaf shape as glTF triangles: positions, normals (per corner, so creases stay sharp), indices."""
    mesh.calc_loop_triangles()
    tris = np.empty(len(mesh.loop_triangles) * 3, np.int32)
    mesh.loop_triangles.foreach_get("loops", tris)
    verts = np.empty(len(mesh.vertices) * 3, np.float32)
    mesh.vertices.foreach_get("co", verts)
    corner_vert = np.empty(len(mesh.loops), np.int32)
    mesh.loops.foreach_get("vertex_index", corner_vert)
    normals = np.empty(len(mesh.loops) * 3, np.float32)
    mesh.corner_normals.foreach_get("vector", normals)
    pos = verts.reshape(-1, 3)[corner_vert[tris]] @ TO_GLTF.T
    nor = normals.reshape(-1, 3)[tris] @ TO_GLTF.T
    return pos, nor, np.arange(len(tris), dtype=np.uint32)


def _first_mixed_colour(bsdf) -> tuple:
    """A base colour driven per instance (emerald or sapphire) is one colour in glTF: the mix's first."""
    links = bsdf.inputs["Base Color"].links if bsdf else ()
    node = links[0].from_node if links else None
    if node is not None and node.bl_idname == "ShaderNodeMix":
        return tuple({s.identifier: s for s in node.inputs}["A_Color"].default_value)
    return (0.8, 0.82, 0.86, 1.0)


def principled_bsdf(mat):
    """mat's Principled BSDF node, or None (no node tree, or other shaders)."""
    tree = getattr(mat, "node_tree", None)
    return next((n for n in tree.nodes if n.type == "BSDF_PRINCIPLED"), None) if tree is not None else None


def principled_look(mat) -> dict:
    """A Principled material's flat look: base (RGBA), metallic, roughness, and its thin film (nm, 0 for
    none; a node-made one's middle of its range, names.THIN_FILM) with the film's IOR."""
    bsdf = principled_bsdf(mat)

    def value(name, fallback):
        sock = bsdf.inputs.get(name) if bsdf else None
        return sock.default_value if sock is not None and not sock.is_linked else fallback

    film_range = mat.get(names.THIN_FILM)
    film = float(sum(film_range) / 2) if film_range is not None else float(value("Thin Film Thickness", 0.0))
    return {"base": [float(c) for c in list(value("Base Color", _first_mixed_colour(bsdf)))[:3]] + [1.0],
            "metallic": float(value("Metallic", 1.0)), "roughness": float(value("Roughness", 0.05)),
            "film": film, "film_ior": float(value("Thin Film IOR", 1.33))}


def material_of(gltf: GltfFile, obj, cache: dict) -> int | None:
    """The shape's Principled material as glTF metal/roughness, with its thin film as iridescence."""
    mat = obj.active_material
    if mat is None or mat.node_tree is None:
        return None
    if mat.name in cache:
        return cache[mat.name]
    look = principled_look(mat)
    entry = {"name": mat.name, "doubleSided": True, "pbrMetallicRoughness": {
        "baseColorFactor": look["base"], "metallicFactor": look["metallic"], "roughnessFactor": look["roughness"]}}
    # Without a thickness texture glTF takes iridescenceThicknessMaximum as the thickness
    # (KHR_materials_iridescence: "thickness ... is iridescenceThicknessMaximum" when no texture is given).
    film = look["film"]
    if film > 0:
        entry["extensions"] = {IRIDESCENCE: {"iridescenceFactor": 1.0, "iridescenceIor": look["film_ior"],
                                             "iridescenceThicknessMinimum": min(100.0, film),
                                             "iridescenceThicknessMaximum": film}}
        gltf.use(IRIDESCENCE)
    cache[mat.name] = gltf.add("materials", entry)
    return cache[mat.name]


def gather(depsgraph, instancers: set[str]) -> dict:
    """{source object: (instancer's name, (N, 4, 4) world matrices)} of the instances the named
    instancers place.

    Instances of the instancer's own geometry (the drops) are skipped: they move."""
    found: dict = {}
    for inst in depsgraph.object_instances:
        if not inst.is_instance or inst.parent is None or inst.parent.original.name not in instancers:
            continue
        source = inst.object.original
        if source.name == inst.parent.original.name:
            continue
        found.setdefault(source, (inst.parent.original.name, []))[1].append(np.array(inst.matrix_world))
    return {src: (owner, np.array(ms)) for src, (owner, ms) in found.items()}


def capped(groups: dict, caps: dict[str, int]) -> dict:
    """gather()'s groups with at most caps[instancer] instances per instancer, each of its shapes thinned
    evenly in proportion."""
    totals: dict = {}
    for owner, matrices in groups.values():
        totals[owner] = totals.get(owner, 0) + len(matrices)
    out = {}
    for src, (owner, matrices) in groups.items():
        cap = caps.get(owner)
        if cap is not None and totals[owner] > cap:
            keep = max(1, round(len(matrices) * cap / totals[owner]))
            matrices = matrices[np.linspace(0, len(matrices) - 1, keep).round().astype(int)]
        out[src] = (owner, matrices)
    return out


def add_mesh(gltf: GltfFile, source, materials: dict, mesh=None) -> int:
    """source's mesh (or `mesh` in its stead: a level of detail) as a glTF mesh with its material."""
    pos, nor, idx = shape_arrays(mesh or source.data)
    prim = {"attributes": {"POSITION": gltf.accessor(pos, "VEC3", target=ARRAY_BUFFER, bounds=True),
                           "NORMAL": gltf.accessor(nor, "VEC3", target=ARRAY_BUFFER)},
            "indices": gltf.accessor(idx, "SCALAR", UINT, target=ELEMENT_ARRAY_BUFFER)}
    mat = material_of(gltf, source, materials)
    if mat is not None:
        prim["material"] = mat
    return gltf.add("meshes", {"name": source.data.name, "primitives": [prim]})


def add_gpu_instances(gltf: GltfFile, depsgraph, instancers: set[str], shape_mesh=None,
                      caps: dict[str, int] | None = None) -> int:
    """Append every instance of the instancers to the open glTF (the caller saves it); returns how many.

    shape_mesh(source) -> the mesh to write for an instanced shape (default its own); caps: at most
    that many instances of the named instancers (export/realtime.py's profile)."""
    groups = capped(gather(depsgraph, instancers), caps or {})
    if not groups:
        return 0
    scene_nodes = gltf.doc["scenes"][gltf.doc.get("scene", 0)].setdefault("nodes", [])
    materials: dict = {}
    total = 0
    for source, (_, matrices) in sorted(groups.items(), key=lambda kv: kv[0].name):
        mesh = add_mesh(gltf, source, materials, shape_mesh(source) if shape_mesh else None)
        t, r, s = to_trs(matrices)
        attrs = {"TRANSLATION": gltf.accessor(t, "VEC3"), "ROTATION": gltf.accessor(r, "VEC4"),
                 "SCALE": gltf.accessor(s, "VEC3")}
        scene_nodes.append(gltf.add("nodes", {"name": f"{source.name}_instances", "mesh": mesh,
                                              "extensions": {EXTENSION: {"attributes": attrs}}}))
        total += len(matrices)
    gltf.use(EXTENSION)
    return total
