"""Meshes from numpy arrays through foreach_set (never operators, never per-vertex Python)."""
from __future__ import annotations

import numpy as np

from .datablocks import Owner


def mesh_from_arrays(owner: Owner, name: str, vertices: np.ndarray, faces: np.ndarray, smooth: bool = True):
    """A mesh from (V, 3) vertices and (F, k) faces of k corners each."""
    vertices = np.ascontiguousarray(vertices, dtype=np.float32)
    faces = np.ascontiguousarray(faces, dtype=np.int32)
    n_faces, corners = faces.shape
    mesh = owner.new("meshes", name)
    mesh.vertices.add(len(vertices))
    mesh.vertices.foreach_set("co", vertices.ravel())
    mesh.loops.add(n_faces * corners)
    mesh.loops.foreach_set("vertex_index", faces.ravel())
    mesh.polygons.add(n_faces)
    mesh.polygons.foreach_set("loop_start", np.arange(0, n_faces * corners, corners, dtype=np.int32))
    mesh.polygons.foreach_set("loop_total", np.full(n_faces, corners, dtype=np.int32))
    mesh.polygons.foreach_set("use_smooth", np.full(n_faces, smooth, dtype=bool))
    mesh.update(calc_edges=True)
    mesh.validate()
    return mesh
