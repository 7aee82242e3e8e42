"""The tending in Blender: gathered leaves gliding into their pattern, streams and the moat,
shells of shimmer from the hum, warm motes in the air (blender/motes.py). Everything is keyframed
from the schedule of core.story.tending and the heart's response."""
from __future__ import annotations

import numpy as np

from ..core.story import tending as core_tending
from ..core.story import timeline as tl
from ..core.story.patterns import LEAF_SIZE, glide
from ..core.story.shots import landmarks
from ..core.story.water import moat_fill
from ..core.world.ground import height
from . import compat, names
from .datablocks import Owner
from .materials import EMERALD, SAPPHIRE, bare, principled
from .meshes import mesh_from_polygons
from .motes import build_motes, sphere_polygons
from .nodes import geometry_group

WARM_GLOW = (1.0, 0.66, 0.35, 1.0)
PATTERN_GLOW = 1.2  # the gathered leaves' emission when the world is warmest
RING_SEGMENTS = 96


def build_tending(cfg: dict, owner: Owner, schedule: core_tending.Schedule, response, leaf_mesh) -> dict:
    fps = cfg["timeline"]["fps"]
    made = {"gathered": [], "streams": [], "moat": None, "rings": [], "motes": None}
    if schedule.gatherings:
        made["gathered"] = gathered_leaves(cfg, owner, schedule, response, leaf_mesh, fps)
    if schedule.water:
        made["streams"], made["moat"] = water(cfg, owner, schedule, fps)
    if schedule.hums:
        made["rings"] = hum_rings(cfg, owner, schedule, fps)
    made["motes"] = build_motes(cfg, owner, response, owner.child_collection("motes"))
    return made


def gathered_leaves(cfg, owner, schedule, response, leaf_mesh, fps) -> list:
    """Emerald and sapphire leaves lift from the floor, glide in and settle into the pattern;
    a warm glow rises in them as the heart warms."""
    coll = owner.child_collection("gathered_leaves")
    mat, g, bsdf = principled(owner, "gathered_leaf")
    info = g.node("ShaderNodeObjectInfo")
    g.link(info.outputs["Color"], bsdf.inputs["Base Color"])
    # Coloured metal: it mirrors the sky through its own emerald or sapphire, so the pattern reads as
    # jewels from the orbit; half metal under a thick coat mirrored the sky's white core and read pale.
    bsdf.inputs["Metallic"].default_value = 1.0
    bsdf.inputs["Roughness"].default_value = 0.12
    bsdf.inputs["Coat Weight"].default_value = 0.1
    bsdf.inputs["Thin Film Thickness"].default_value = 320.0
    # The glow is the leaf's own emerald or sapphire, warmed: warm points that still
    # read as the leaves the dreamer laid (a plain warm glow turned them cream).
    g.link(g.mix_color(0.2, info.outputs["Color"], WARM_GLOW), bsdf.inputs["Emission Color"])
    glow_path = bsdf.inputs["Emission Strength"].path_from_id("default_value")
    step = max(1, fps // 4)
    warm = core_tending.world_warmth(cfg, response.seconds[::step], response.channels["warmth"])
    # A soft glow: at 3 the warm leaves burnt to white dots in the sanctuary.
    compat.write_curve(mat.node_tree, glow_path, response.frames[::step], PATTERN_GLOW * warm)
    owner.tag(mat.node_tree.animation_data.action)
    mesh = leaf_mesh.copy()
    owner.tag(mesh)
    mesh.materials.clear()
    mesh.materials.append(mat)
    objects = []
    for gi, gathering in enumerate(schedule.gatherings):
        for i in range(len(gathering.target)):
            obj = owner.object(names.gathered_leaf(gi, i), mesh, coll)
            obj.color = SAPPHIRE if gathering.sapphire[i] else EMERALD
            obj.scale = (LEAF_SIZE,) * 3
            tx, ty = gathering.target[i]
            ground = float(height(np.array([tx]), np.array([ty]), cfg)[0])
            times, pos = glide(gathering, i, ground)
            frames = tl.frame_at(times, fps)
            for axis in range(3):
                compat.write_curve(obj, "location", frames, pos[:, axis], index=axis, linear=False)
            u = np.linspace(0.0, 1.0, len(times))
            tumble = 0.6 * np.sin(np.pi * u) * np.sin(2 * np.pi * u + i)
            compat.write_curve(obj, "rotation_euler", frames, tumble, index=0, linear=False)
            compat.write_curve(obj, "rotation_euler", frames, gathering.heading[i] + 1.5 * (1 - u), index=2,
                               linear=False)
            obj.location = tuple(pos[0])
            owner.tag(obj.animation_data.action)
            objects.append(obj)
    return objects


def water_material(owner: Owner, fps: int, last_frame: int):
    """Iridescent water: clear and refractive (the floor seen through it), rippling, a thin film whose
    thickness flows with the water and throws rainbow colours into its reflections.

    No coat and a low specular level: at the orbit's grazing angles full Fresnel mirrored the sky's
    near-white core as a white band; the film colours what reflection is left."""
    mat, g, bsdf = principled(owner, "iridescent_water")
    bsdf.inputs["Base Color"].default_value = (0.62, 0.88, 0.86, 1.0)  # a faint green-blue in the depth
    bsdf.inputs["Roughness"].default_value = 0.015
    bsdf.inputs["Transmission Weight"].default_value = 1.0
    bsdf.inputs["IOR"].default_value = 1.33
    bsdf.inputs["Specular IOR Level"].default_value = 0.45
    bsdf.inputs["Coat Weight"].default_value = 0.0
    bsdf.inputs["Thin Film IOR"].default_value = 1.45
    coords = g.node("ShaderNodeTexCoord").outputs["Object"]
    flow = g.node("ShaderNodeMapping")
    flow.name = "flow"
    g.link(coords, flow.inputs["Vector"])
    film = g.node("ShaderNodeTexNoise", {"Scale": 2.2, "Detail": 3.0, "Distortion": 2.0})
    g.link(flow.outputs["Vector"], film.inputs["Vector"])
    g.link(g.map_range(film.outputs["Fac"], 0.3, 0.7, 280.0, 820.0), bsdf.inputs["Thin Film Thickness"])
    # Ripples: a fine noise, drifting with the flow, bent into the normal.
    ripples = g.node("ShaderNodeTexNoise", {"Scale": 14.0, "Detail": 2.0, "Roughness": 0.5})
    g.link(flow.outputs["Vector"], ripples.inputs["Vector"])
    bump = g.node("ShaderNodeBump", {"Strength": 0.4, "Distance": 0.02})
    g.link(ripples.outputs["Fac"], bump.inputs["Height"])
    g.link(bump.outputs["Normal"], bsdf.inputs["Normal"])
    # The flow: the noise drifts steadily (keyed, linear, extrapolated).
    fc = compat.write_curve(mat.node_tree, 'nodes["flow"].inputs[1].default_value', [1, last_frame],
                            [0.0, 0.35 * (last_frame - 1) / fps], index=0)
    fc.extrapolation = "LINEAR"
    owner.tag(mat.node_tree.animation_data.action)
    return mat


def _curve_object(owner, name, points, bevel, material, coll, cyclic=False, flatten=1.0):
    """A round-bevelled curve through points (K, 3) m; flatten < 1 squashes its section into a wide, low
    ellipse (the object is scaled in z, the points stretched to match)."""
    data = owner.new("curves", name, "CURVE")
    data.dimensions = "3D"
    data.bevel_depth = bevel
    data.bevel_resolution = 4
    data.use_fill_caps = True
    data.bevel_factor_mapping_end = "SPLINE"
    data.twist_mode = "Z_UP"  # the section stays level, so the flattening lays it along the floor
    spline = data.splines.new("POLY")
    spline.points.add(len(points) - 1)
    local = np.asarray(points, dtype=np.float64) / np.array([1.0, 1.0, flatten])
    co = np.column_stack([local, np.ones(len(points))]).astype(np.float32)
    spline.points.foreach_set("co", co.ravel())
    spline.use_cyclic_u = cyclic
    data.materials.append(material)
    obj = owner.object(name, data, coll)
    obj.scale = (1.0, 1.0, flatten)
    return obj


def _appear(curve, at: float, depth: float, fps: int) -> None:
    """No bevel (so nothing renders, even at a bevel factor of 0) until the water arrives."""
    fc = compat.write_curve(curve, "bevel_depth", tl.frame_at([at - 0.05, at], fps), [0.0, depth])
    for kp in fc.keyframe_points:
        kp.interpolation = "CONSTANT"


# Water lies low and wide: a flattened tube sunk into the floor so only a shallow lens of it shows
# above (SHOWS m at its middle), the floor seen through it. (half width m, half height m) of the section.
STREAM_SECTION = (0.16, 0.035)
MOAT_SECTION = (0.36, 0.05)
SHOWS = 0.018


def _lens(section) -> tuple[float, float, float]:
    """(bevel depth, z flattening, centre's height below the floor) of a sunk, flattened section."""
    half_w, half_h = section
    return half_w, half_h / half_w, half_h - SHOWS


def water(cfg, owner, schedule, fps):
    coll = owner.child_collection("water")
    mat = water_material(owner, fps, tl.frame_range(cfg["timeline"])[1])
    streams = []
    depth, flatten, sink = _lens(STREAM_SECTION)
    for si, s in enumerate(schedule.water):
        for j, path in enumerate(s.paths):
            z = height(path[:, 0], path[:, 1], cfg) - sink
            obj = _curve_object(owner, names.stream(si, j), np.column_stack([path, z]), depth, mat, coll,
                                flatten=flatten)
            # Grows from the root to the moat, eased.
            t = np.linspace(s.start[j], s.arrive[j], 8)
            u = np.linspace(0.0, 1.0, 8)
            compat.write_curve(obj.data, "bevel_factor_end", tl.frame_at(t, fps), u * u * (3 - 2 * u))
            _appear(obj.data, s.start[j], depth, fps)
            owner.tag(obj.data.animation_data.action)
            streams.append(obj)
    depth, flatten, sink = _lens(MOAT_SECTION)
    radius = schedule.water[0].moat_radius
    a = np.linspace(0.0, 2 * np.pi, RING_SEGMENTS, endpoint=False)
    ring = np.column_stack([radius * np.cos(a), radius * np.sin(a)])
    z = height(ring[:, 0], ring[:, 1], cfg) - sink
    moat = _curve_object(owner, names.MOAT, np.column_stack([ring, z]), depth, mat, coll, cyclic=True,
                         flatten=flatten)
    fill_t, fill = moat_fill(schedule.water)
    compat.write_curve(moat.data, "bevel_factor_end", tl.frame_at(fill_t, fps), fill, linear=False)
    _appear(moat.data, fill_t[0] + 0.01, depth, fps)
    owner.tag(moat.data.animation_data.action)
    return streams, moat


def shimmer_material(owner: Owner):
    """The hum in the air: no colour of its own, a faint refraction (IOR HUM_IOR) through a rippled
    normal, so what lies behind a passing shell wobbles. Camera rays only, and only once per ray
    (after one refraction a ray is no camera ray, so the far side lets it through): no shadows, no
    extra bounces. Strongest in a broad band between the shell's middle and its rim, none at the rim
    itself (grazing refraction would draw its outline); keyed by the object's alpha over its life."""
    mat, g, out = bare(owner, "hum_shimmer")
    coords = g.node("ShaderNodeTexCoord").outputs["Object"]
    info = g.node("ShaderNodeObjectInfo")
    ripple = g.node("ShaderNodeTexNoise", {"Scale": 5.0, "Detail": 2.0, "Distortion": 0.6})
    g.link(g.vmath("ADD", coords, g.combine(info.outputs["Random"], 0.0, 0.0)), ripple.inputs["Vector"])
    bump = g.node("ShaderNodeBump", {"Strength": 1.0, "Distance": 0.05})
    g.link(ripple.outputs["Fac"], bump.inputs["Height"])
    # At most a faint iridescent tint: the transmitted light leans a few per cent through the hues.
    hue = g.node("ShaderNodeHueSaturation", {"Hue": ripple.outputs["Fac"], "Saturation": 1.0, "Value": 1.0,
                                              "Color": (1.0, 0.93, 0.93, 1.0)})
    bend = g.node("ShaderNodeBsdfRefraction", {"Color": hue.outputs["Color"], "IOR": HUM_IOR, "Roughness": 0.0,
                                               "Normal": bump.outputs["Normal"]})
    facing = g.node("ShaderNodeLayerWeight", {"Blend": 0.5}).outputs["Facing"]
    band = g.math("SINE", g.math("MULTIPLY", g.math("POWER", facing, 0.7), np.pi))  # 0 facing, 0 at the rim
    camera = g.node("ShaderNodeLightPath").outputs["Is Camera Ray"]
    # Never whole: a refracting surface stands in the mist and environment passes the haze is made
    # from, so a fully refracting shell would clear the haze behind it. A halved shell (near_half) is
    # crossed once where a whole one was crossed twice: its one surface bends what both did.
    halved = g.node("ShaderNodeAttribute", attribute_type="GEOMETRY", attribute_name=names.HALVED).outputs["Fac"]
    share = g.math("ADD", HUM_SHARE, g.math("MULTIPLY", halved, HUM_SHARE * (1.0 - HUM_SHARE)))
    amount = g.math("MULTIPLY", g.math("MULTIPLY", band, info.outputs["Alpha"]), g.math("MULTIPLY", camera, share))
    g.link(g.over_clear(amount, bend.outputs[0]), out.inputs["Surface"])
    # Where no refraction is drawn: a clear glassy film, a trace of it.
    mat[names.TRAVEL_LOOK] = {"base": [1.0, 0.93, 0.93], "alpha": 0.05, "metallic": 0.0, "roughness": 0.0,
                              "emissive": [0.0, 0.0, 0.0], "strength": 1.0}
    return mat


HUM_IOR = 1.04
HUM_SHARE = 0.12  # the most of a ray the shimmer bends


def hum_rings(cfg, owner, schedule, fps) -> list:
    """Slow shells of shimmer swelling out from the heart through the air and over the moat, one every
    HUM_PERIOD: wide, clear, seen only as the world wobbling where they pass."""
    coll = owner.child_collection("hum")
    mat = shimmer_material(owner)
    mesh = mesh_from_polygons(owner, "hum_shell", *sphere_polygons(24, 48))
    mesh.materials.append(mat)
    halves = near_half_group(owner)
    z = landmarks(cfg)["heart"][2]
    period = core_tending.HUM_PERIOD
    rings = []
    for hi, (start, end, _interval) in enumerate(schedule.hums):
        pulses = np.arange(start, end - period * 0.5, period)
        for k in range(3):  # three shells in flight at once, each re-launched every 3 periods
            mine = pulses[k::3]
            if not len(mine):
                continue
            obj = owner.object(names.hum_ring(hi, k), mesh, coll)
            obj.location = (0.0, 0.0, z)
            obj.visible_shadow = False
            near = obj.modifiers.new(names.HUM_NEAR, "NODES")
            near.node_group = halves
            t, scale, alpha = [], [], []
            life = 3 * period * 0.95
            for p in mine:
                t += [p - 0.01, p, p + 0.3 * life, p + life, p + life + 0.01]
                scale += [0.0, 0.4, 0.4 + 0.3 * 6.1, 6.5, 0.0]
                alpha += [0.0, 0.0, 1.0, 0.0, 0.0]  # swells in, fades as it spreads
            t, scale, alpha = np.array(t), np.array(scale), np.array(alpha)
            frames = tl.frame_at(t, fps)
            for axis in range(3):
                compat.write_curve(obj, "scale", frames, scale, index=axis)
            compat.write_curve(obj, "color", frames, alpha, index=3)
            obj.scale = (0.0, 0.0, 0.0)
            owner.tag(obj.animation_data.action)
            rings.append(obj)
    return rings


def near_half_modifiers(scene):
    """The hum's shells' Near Half modifiers in scene (one per shell; none in a .blend from before them)."""
    for obj in scene.objects:
        mod = obj.modifiers.get(names.HUM_NEAR)
        if mod is not None and mod.type == "NODES" and mod.node_group is not None:
            yield mod


def near_half_group(owner: Owner):
    """The hum's shells, in renders with Near Half on (render.settings, with the tier's culling): only the
    faces that face the render camera, while it is outside the shell, marked HALVED for the shimmer.
    A camera ray crossed every shell twice, each crossing a step of its path: at the response (frame
    1200, 640x360 preview) three shells cost 0.9 s of a 4.1 s frame; halved, 0.5 s less. The viewport
    and exports keep whole shells (Near Half off, or Is Viewport)."""
    g, gin, gout = geometry_group(owner, names.HUM_NEAR_GROUP, [(names.NEAR_HALF, "NodeSocketBool")])
    cam = g.node("GeometryNodeObjectInfo", {"Object": g.node("GeometryNodeInputActiveCamera").outputs[0]},
                 transform_space="RELATIVE")
    eye = cam.outputs["Location"]  # in the shell's own space: a unit sphere, scaled as a whole
    outside = g.math("GREATER_THAN", g.vmath("LENGTH", eye), 1.0)
    away = g.math("LESS_THAN", g.vmath("DOT_PRODUCT", g.node("GeometryNodeInputNormal").outputs[0],
                                       g.vmath("SUBTRACT", eye, g.node("GeometryNodeInputPosition").outputs[0])), 0.0)
    render = g.math("SUBTRACT", 1.0, g.node("GeometryNodeIsViewport").outputs[0])
    halve = g.math("MULTIPLY", g.math("MULTIPLY", outside, render), gin.outputs[names.NEAR_HALF])
    kept = g.node("GeometryNodeDeleteGeometry", {"Geometry": gin.outputs["Geometry"],
                                                 "Selection": g.math("GREATER_THAN", g.math("MULTIPLY", away, halve), 0.5)},
                  domain="FACE", mode="ONLY_FACE")  # every vertex kept, in order: motion blur's steps match
    marked = g.node("GeometryNodeStoreNamedAttribute", {"Geometry": kept.outputs["Geometry"], "Name": names.HALVED,
                                                        "Value": 1.0}, data_type="FLOAT", domain="FACE")
    pick = g.node("GeometryNodeSwitch", {"Switch": g.math("GREATER_THAN", halve, 0.5), "False": gin.outputs["Geometry"],
                                         "True": marked.outputs["Geometry"]}, input_type="GEOMETRY")
    g.link(pick.outputs[0], gout.inputs["Geometry"])
    return g.tree
