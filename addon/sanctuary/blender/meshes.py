"""Meshes from numpy arrays through foreach_set (never operators, never per-vertex Python)."""
from __future__ import annotations

import numpy as np

from .datablocks import Owner


def mesh_from_arrays(owner: Owner, name: str, vertices: np.ndarray, faces: np.ndarray, smooth: bool = True):
    """A mesh from (V, 3) vertices and (F, k) faces of k corners each."""
    faces = np.asarray(faces)
    return mesh_from_polygons(owner, name, vertices, faces.ravel(), np.full(len(faces), faces.shape[1]), smooth)


def mesh_from_polygons(owner: Owner, name: str, vertices: np.ndarray, corners: np.ndarray, sizes: np.ndarray,
                       smooth: bool = True):
    """A mesh from (V, 3) vertices, flat face-corner vertex indices and the size of each face."""
    vertices = np.ascontiguousarray(vertices, dtype=np.float32)
    corners = np.ascontiguousarray(corners, dtype=np.int32)
    sizes = np.ascontiguousarray(sizes, dtype=np.int32)
    # What Mesh.validate() would find wrong in arrays like these, checked in numpy: a tenth of its time
    # over the forest's bark (its other repairs, of duplicate faces and edges, found nothing to do).
    if len(sizes) and (sizes.min() < 3 or sizes.sum() != len(corners) or corners.min() < 0
                       or corners.max() >= len(vertices) or not np.isfinite(vertices).all()):
        raise ValueError(f"mesh {name!r}: face sizes under 3, corners not matching them, or an index or "
                         "vertex out of range")
    mesh = owner.new("meshes", name)
    mesh.vertices.add(len(vertices))
    mesh.vertices.foreach_set("co", vertices.ravel())
    mesh.loops.add(len(corners))
    mesh.loops.foreach_set("vertex_index", corners)
    mesh.polygons.add(len(sizes))
    # Faces are their offsets into the corners (each face's size follows from the next one's start).
    mesh.polygons.foreach_set("loop_start", (np.cumsum(sizes) - sizes).astype(np.int32))
    if smooth:  # one call, not a flag per face (a tenth of a second over the forest's bark)
        mesh.shade_smooth()
    else:
        mesh.shade_flat()
    mesh.update(calc_edges=True)
    return mesh


def point_cloud(owner: Owner, name: str, positions: np.ndarray, attributes: dict[str, np.ndarray]):
    """A mesh of loose vertices carrying per-point attributes, for geometry-nodes instancing."""
    positions = np.ascontiguousarray(positions, dtype=np.float32)
    mesh = owner.new("meshes", name)
    mesh.vertices.add(len(positions))
    mesh.vertices.foreach_set("co", positions.ravel())
    for key, values in attributes.items():
        values = np.asarray(values)
        if values.ndim == 2:
            kind, field, values = "FLOAT_VECTOR", "vector", values.astype(np.float32)
        elif values.dtype.kind in "iu":
            kind, field, values = "INT", "value", values.astype(np.int32)
        else:
            kind, field, values = "FLOAT", "value", values.astype(np.float32)
        mesh.attributes.new(key, kind, "POINT").data.foreach_set(field, np.ascontiguousarray(values).ravel())
    mesh.update()
    return mesh
