"""What Blender's USD exporter leaves out, written into its stage afterwards with the USD Python API.

- The forest's leaves, fallen leaves, frost crystals and motes as `UsdGeomPointInstancer`s, one per
  instancer (prototypes: its shapes, beneath it so they are drawn only as instances), as they stand at
  the first exported frame. Blender's exporter realizes geometry-nodes instances one prim each or not at
  all (a 24-frame Alembic of the realized forest was 2 GB).
- Keyed emission as time samples: UsdPreviewSurface's `emissiveColor` is the material's emission seen
  whole (names.EMISSIVE_TINT) times its keyed strength, every exported frame; Blender's exporter writes
  material inputs once.
The pxr modules are Blender's own: the Blender application bundles them, as do the bpy modules from
4.5 on (in bpy's own site-packages, put on sys.path here: blender/compat.usd_api); where there are none
(the bpy 4.2 module, without usd-core) the export is Blender's alone and says so.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..blender import compat, names
from . import looks
from .instances import capped, gather, principled_bsdf, principled_look, to_trs


def finish_usd(path: Path, frames: tuple[int, int], depsgraph, instancers: set[str], shape_mesh=None,
               caps: dict[str, int] | None = None, looks_of: dict | None = None) -> list[str]:
    """Write the point instancers, the emission time samples and the materials' looks (looks.measure)
    into the exported stage at `path`. shape_mesh / caps: as instances.add_gpu_instances. Returns
    warnings (what could not be written)."""
    pxr = compat.usd_api()
    if pxr is None:
        return [f"{path.name}: no USD Python API in this Blender (the bpy 4.2 module): leaves, frost, "
                "emission animation and node-made material looks left out; install usd-core or export from "
                "Blender 4.5 or later"]
    stage = pxr.Usd.Stage.Open(str(path))
    root = stage.GetDefaultPrim() or next(iter(stage.GetPseudoRoot().GetChildren()))
    materials = {p.GetName(): pxr.UsdShade.Material(p) for p in stage.Traverse() if p.IsA(pxr.UsdShade.Material)}
    groups = capped(gather(depsgraph, instancers), caps or {})
    for instancer in sorted({owner for owner, _ in groups.values()}):
        shapes = sorted(((src, m) for src, (owner, m) in groups.items() if owner == instancer),
                        key=lambda kv: kv[0].name)
        point_instancer(pxr, stage, root.GetPath().AppendChild(instancer), shapes, materials, shape_mesh)
    key_emission(pxr, materials, frames)
    looks.apply_to_usd(pxr, stage, materials, looks_of or {})
    stage.GetRootLayer().Save()
    return []


def point_instancer(pxr, stage, where, shapes: list, materials: dict, shape_mesh=None):
    """A PointInstancer at `where` placing each (source object, (N, 4, 4) matrices) of `shapes`."""
    UsdGeom, Vt = pxr.UsdGeom, pxr.Vt
    inst = UsdGeom.PointInstancer.Define(stage, where)
    protos = UsdGeom.Scope.Define(stage, where.AppendChild("Prototypes"))
    targets, index, matrices = [], [], []
    for k, (source, m) in enumerate(shapes):
        mesh = prototype(pxr, stage, protos.GetPath().AppendChild(source.name), shape_mesh(source) if shape_mesh
                         else source.data)
        mat = source.active_material
        if mat is not None and mat.node_tree is not None:
            pxr.UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(
                materials.get(mat.name) or preview_material(pxr, stage, where.GetParentPath(), mat, materials))
        targets.append(mesh.GetPath())
        index.append(np.full(len(m), k, np.int32))
        matrices.append(m)
    t, r, s = to_trs(np.concatenate(matrices), basis=np.eye(3))
    inst.CreatePrototypesRel().SetTargets(targets)
    inst.CreateProtoIndicesAttr(Vt.IntArray.FromNumpy(np.concatenate(index)))
    inst.CreatePositionsAttr(Vt.Vec3fArray.FromNumpy(t.astype(np.float32)))
    inst.CreateOrientationsAttr(Vt.QuathArray.FromNumpy(r.astype(np.float16)))  # x, y, z, w: GfQuath's layout
    inst.CreateScalesAttr(Vt.Vec3fArray.FromNumpy(s.astype(np.float32)))
    return inst


def prototype(pxr, stage, where, mesh):
    """A Blender mesh as a UsdGeomMesh (polygons as they are, corner normals, two-sided: leaves are thin)."""
    UsdGeom, Vt = pxr.UsdGeom, pxr.Vt
    verts = np.empty(len(mesh.vertices) * 3, np.float32)
    mesh.vertices.foreach_get("co", verts)
    counts = np.empty(len(mesh.polygons), np.int32)
    mesh.polygons.foreach_get("loop_total", counts)
    corners = np.empty(len(mesh.loops), np.int32)
    mesh.loops.foreach_get("vertex_index", corners)
    normals = np.empty(len(mesh.loops) * 3, np.float32)
    mesh.corner_normals.foreach_get("vector", normals)
    usd = UsdGeom.Mesh.Define(stage, where)
    points = verts.reshape(-1, 3)
    usd.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(points))
    usd.CreateExtentAttr(Vt.Vec3fArray.FromNumpy(np.array([points.min(0), points.max(0)])))
    usd.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(counts))
    usd.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(corners))
    usd.CreateNormalsAttr(Vt.Vec3fArray.FromNumpy(normals.reshape(-1, 3)))
    usd.SetNormalsInterpolation(UsdGeom.Tokens.faceVarying)
    usd.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
    usd.CreateDoubleSidedAttr(True)
    return usd


def preview_material(pxr, stage, root, mat, materials: dict):
    """A UsdPreviewSurface material for a Blender material the exporter did not write (the instanced
    shapes'), with its flat look (instances.principled_look); kept in `materials` by name."""
    usd = pxr.UsdShade.Material.Define(stage, root.AppendChild("_materials").AppendChild(mat.name))
    looks.preview_surface(pxr, stage, usd, principled_look(mat))
    materials[mat.name] = usd
    return usd


def key_emission(pxr, materials: dict, frames: tuple[int, int]) -> None:
    """emissiveColor time samples (one a frame, time codes = film frames) for every exported material
    whose Emission Strength is keyed and whose emission seen whole the build recorded."""
    import bpy

    film = np.arange(frames[0], frames[1] + 1, dtype=np.float64)
    for name, usd in materials.items():
        mat = bpy.data.materials.get(name)
        tint = mat.get(names.EMISSIVE_TINT) if mat is not None and mat.node_tree is not None else None
        if tint is None:
            continue
        bsdf = principled_bsdf(mat)
        path = bsdf.inputs["Emission Strength"].path_from_id("default_value") if bsdf else None
        curve = next((fc for fc in compat.fcurves(mat.node_tree) if fc.data_path == path), None)
        shader = usd.ComputeSurfaceSource()[0] if curve is not None else None
        if not shader:
            continue
        emissive = shader.GetInput("emissiveColor") or shader.CreateInput(
            "emissiveColor", pxr.Sdf.ValueTypeNames.Color3f)
        colour = np.outer(compat.sample_curve(curve, film), np.asarray(tint, np.float64)[:3])
        attr = emissive.GetAttr()
        for f, c in zip(film, colour):
            attr.Set(pxr.Gf.Vec3f(*c), pxr.Usd.TimeCode(float(f)))
