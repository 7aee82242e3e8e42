"""Materials that travel: each exported material's look as the flat values every format carries.

Blender's exporters write a Principled input only when nothing is plugged into it: a colour, roughness
or metalness made by nodes (the bark's, the stone's, the floor's) arrives in glTF as white metal of
roughness 1, in USD as a 0.8 grey. So each material is measured once per export with Blender's own bake:
the input's source routed into an Emission shader, Cycles' EMIT pass baked to a colour attribute of one
mesh that uses the material, averaged over its corners. The bake runs in a scene of its own holding only
that mesh (in the forest's scene every bake synced its 200,000 leaves: 8-17 s a bake against 0.02-0.5 s).
"""
from __future__ import annotations

import contextlib

import bpy
import numpy as np

from ..blender import names
from .instances import principled_bsdf

SOCKETS = {"base": "Base Color", "metallic": "Metallic", "roughness": "Roughness"}
BAKED = "sanctuary_bake"


def users(scene) -> dict:
    """{material: the mesh object with the most polygons that uses it} over the scene's mesh objects
    (hidden shapes, such as the instanced leaves', included)."""
    found: dict = {}
    for obj in scene.objects:
        if obj.type != "MESH":
            continue
        for slot in obj.material_slots:
            mat = slot.material
            if mat is not None and (principled_bsdf(mat) is not None or names.TRAVEL_LOOK in mat):
                best = found.get(mat)
                if best is None or len(obj.data.polygons) > len(best.data.polygons):
                    found[mat] = obj
    return found


def measure(scene, frame: int) -> dict[str, dict]:
    """{material name: {"base": [r, g, b] linear, "metallic": float, "roughness": float}} of every
    Principled material the scene's meshes use, as it looks at `frame` (keyed inputs: the frost's); for a
    material of other shaders, the look its build gave it (names.TRAVEL_LOOK: also "alpha", "emissive"
    [r, g, b] and "strength")."""
    scene.frame_set(frame)
    looks = {}
    with bake_scene() as (stage, proxy_of):
        for mat, obj in users(scene).items():
            bsdf = principled_bsdf(mat)
            if bsdf is None:
                looks[mat.name] = mat[names.TRAVEL_LOOK].to_dict()
                continue
            look = {}
            for key, name in SOCKETS.items():
                sock = bsdf.inputs[name]
                if sock.is_linked:
                    value = bake_mean(stage, proxy_of(obj), mat, sock)
                else:
                    value = np.array(sock.default_value if key == "base" else [sock.default_value] * 3)[:3]
                look[key] = [float(c) for c in value] if key == "base" else float(np.mean(value))
            looks[mat.name] = look
    return looks


@contextlib.contextmanager
def bake_scene():
    """A scene for baking one mesh at a time: (scene, proxy_of(obj) -> a stand-in of obj in it)."""
    stage = bpy.data.scenes.new("sanctuary_bake")
    stage.render.engine = "CYCLES"
    stage.cycles.samples = 1
    proxies = []

    def proxy_of(obj):
        while proxies:  # one mesh at a time
            bpy.data.objects.remove(proxies.pop())
        proxy = bpy.data.objects.new("sanctuary_bake", obj.data)
        proxy.matrix_world = obj.matrix_world  # materials that read positions see the same ones
        proxy.color = obj.color
        stage.collection.objects.link(proxy)
        proxies.append(proxy)
        return proxy

    try:
        yield stage, proxy_of
    finally:
        for p in proxies:
            bpy.data.objects.remove(p)
        bpy.data.scenes.remove(stage)


def bake_mean(stage, proxy, mat, sock) -> np.ndarray:
    """The mean (3,) over the proxy's corners of what feeds `sock` of mat's Principled BSDF (EMIT bake).
    The material's node tree and the mesh are as they were afterwards."""
    mesh = proxy.data
    active = mesh.color_attributes.active_color_name
    colours = bake_socket(stage, proxy, mat, sock, BAKED, "CORNER")
    mesh.color_attributes.remove(mesh.color_attributes[BAKED])
    if active:
        mesh.color_attributes.active_color_name = active
    return colours.mean(axis=0)


def bake_socket(stage, proxy, mat, sock, name: str, domain: str) -> np.ndarray:
    """Bake what feeds `sock` of mat's Principled BSDF (Cycles' EMIT pass, the source routed into an
    Emission shader) into a new float colour attribute `name` of the proxy's mesh on `domain` (POINT or
    CORNER), left in place and active; returns its colours (N, 3). The node tree is as it was afterwards."""
    tree = mat.node_tree
    out = next(n for n in tree.nodes if n.type == "OUTPUT_MATERIAL" and n.is_active_output)
    surface = out.inputs["Surface"]
    before = surface.links[0].from_socket if surface.is_linked else None
    emission = tree.nodes.new("ShaderNodeEmission")
    mesh = proxy.data
    attr = mesh.color_attributes.new(name, "FLOAT_COLOR", domain)
    active = mesh.color_attributes.active_color
    try:
        tree.links.new(sock.links[0].from_socket, emission.inputs["Color"])
        tree.links.new(emission.outputs["Emission"], surface)
        mesh.color_attributes.active_color = attr
        layer = stage.view_layers[0]
        with bpy.context.temp_override(scene=stage, view_layer=layer, active_object=proxy, object=proxy,
                                       selected_objects=[proxy], selected_editable_objects=[proxy]):
            bpy.ops.object.bake(type="EMIT", target="VERTEX_COLORS")
        colours = np.empty(len(attr.data) * 4, np.float32)
        attr.data.foreach_get("color", colours)
        return colours.reshape(-1, 4)[:, :3]
    except BaseException:
        if active is not None:
            mesh.color_attributes.active_color = active
        mesh.color_attributes.remove(attr)
        raise
    finally:
        tree.nodes.remove(emission)
        if before is not None:
            tree.links.new(before, surface)


@contextlib.contextmanager
def detail_colours(scene, frame: int, objects):
    """Within the block each of `objects` (meshes whose colour varies across them at a viewer's distance:
    the stone's lichen, moss and stains) carries its material's base colour, baked
    per vertex as above, in its active colour attribute (names.DETAIL_COLOUR), which glTF writes as
    COLOR_0. Yields {material name: mean colour}; the attributes are gone afterwards."""
    scene.frame_set(frame)
    baked, means = [], {}
    try:
        with bake_scene() as (stage, proxy_of):
            for obj in objects:
                mat = obj.active_material
                bsdf = principled_bsdf(mat) if mat is not None else None
                if (bsdf is None or not bsdf.inputs["Base Color"].is_linked
                        or names.DETAIL_COLOUR in obj.data.color_attributes):
                    continue
                colours = bake_socket(stage, proxy_of(obj), mat, bsdf.inputs["Base Color"], names.DETAIL_COLOUR,
                                      "POINT")
                baked.append(obj.data)
                means[mat.name] = [float(c) for c in colours.mean(axis=0)]
        yield means
    finally:
        for mesh in baked:
            mesh.color_attributes.remove(mesh.color_attributes[names.DETAIL_COLOUR])


def apply_to_gltf(doc: dict, looks: dict, detailed: set | frozenset = frozenset()) -> set[str]:
    """Each glTF material named as a measured one gets its look as baseColorFactor, metallicFactor and
    roughnessFactor where no texture gives them; a travel look's alpha (alphaMode BLEND) and emission
    (emissiveFactor, with KHR_materials_emissive_strength above 1) too. A material in `detailed` keeps a
    white base: its meshes' COLOR_0 (detail_colours) is the colour. Returns the extensions used."""
    used = set()
    for mat in doc.get("materials", []):
        look = looks.get(mat["name"])
        if look is None:
            continue
        pbr = mat.setdefault("pbrMetallicRoughness", {})
        if "baseColorTexture" not in pbr:
            alpha = look.get("alpha", pbr.get("baseColorFactor", [1.0, 1.0, 1.0, 1.0])[3])
            base = [1.0, 1.0, 1.0] if mat["name"] in detailed else [float(c) for c in look["base"]]
            pbr["baseColorFactor"] = base + [float(alpha)]
            if alpha < 1.0:
                mat["alphaMode"] = "BLEND"
        if "metallicRoughnessTexture" not in pbr:
            pbr["metallicFactor"], pbr["roughnessFactor"] = float(look["metallic"]), float(look["roughness"])
        if "emissive" in look:
            strength = float(look.get("strength", 1.0))
            mat["emissiveFactor"] = [float(c) * min(strength, 1.0) for c in look["emissive"]]
            if strength > 1.0:
                mat.setdefault("extensions", {})["KHR_materials_emissive_strength"] = {"emissiveStrength": strength}
                used.add("KHR_materials_emissive_strength")
            else:  # the strength is in the factor: none left over from the exporter's
                mat.get("extensions", {}).pop("KHR_materials_emissive_strength", None)
    return used


def apply_to_usd(pxr, stage, materials: dict, looks: dict) -> None:
    """Each measured material's UsdPreviewSurface gets its look (preview_surface).
    materials: {name: UsdShade.Material}."""
    for name, usd in materials.items():
        if name in looks:
            preview_surface(pxr, stage, usd, looks[name])


def preview_surface(pxr, stage, usd, look: dict):
    """usd's UsdPreviewSurface (made where there is none) with `look` as diffuseColor, metallic and
    roughness where no texture or time samples drive them; a travel look's opacity and emissiveColor
    (emission times strength) too. Returns the shader."""
    Sdf, UsdShade = pxr.Sdf, pxr.UsdShade
    shader = usd.ComputeSurfaceSource()[0]
    if not shader:
        shader = UsdShade.Shader.Define(stage, usd.GetPath().AppendChild("preview"))
        shader.CreateIdAttr("UsdPreviewSurface")
        usd.CreateSurfaceOutput().ConnectToSource(shader.ConnectableAPI(), "surface")
    values = {"diffuseColor": (Sdf.ValueTypeNames.Color3f, tuple(look["base"][:3])),
              "metallic": (Sdf.ValueTypeNames.Float, look["metallic"]),
              "roughness": (Sdf.ValueTypeNames.Float, look["roughness"])}
    if "alpha" in look:
        values["opacity"] = (Sdf.ValueTypeNames.Float, look["alpha"])
    if "emissive" in look:
        values["emissiveColor"] = (Sdf.ValueTypeNames.Color3f,
                                   tuple(float(c) * look.get("strength", 1.0) for c in look["emissive"]))
    for input_name, (kind, value) in values.items():
        found = shader.GetInput(input_name) or shader.CreateInput(input_name, kind)
        if not found.HasConnectedSource() and not found.GetAttr().GetNumTimeSamples():
            found.Set(value)
    return shader
