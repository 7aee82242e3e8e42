"""A quality tier applied to a scene: engine, resolution, samples, bounces, denoiser, culling."""
from __future__ import annotations

import math

from ..blender import compat, names
from ..blender.look import fit_vignette, set_air
from ..blender.tending import near_half_modifiers


def apply_quality(scene, q: dict) -> None:
    r = scene.render
    r.engine = compat.engine_id(q["engine"])
    r.resolution_x, r.resolution_y = q["resolution"]
    r.resolution_percentage = 100
    fit_vignette(scene)
    # Persistent data re-syncs every changed instance on a frame change; with the
    # dripping leaves that cost 16 s a frame instead of 0.5 s (bench_render.py).
    r.use_persistent_data = q["persistent_data"]
    r.use_simplify = q["simplify"]
    r.simplify_subdivision_render = q["simplify_subdivision"]
    r.use_motion_blur = q["motion_blur"]
    set_air(scene, q["air_volume"])
    compat.set_image_output(scene, q["format"])
    if q["engine"] == "CYCLES":
        c = scene.cycles
        c.device = "CPU"
        c.samples = q["samples"]
        c.use_adaptive_sampling = q["adaptive_threshold"] > 0
        c.adaptive_threshold = q["adaptive_threshold"]
        c.max_bounces = q["max_bounces"]
        c.diffuse_bounces = q["diffuse_bounces"]
        c.glossy_bounces = q["glossy_bounces"]
        c.transmission_bounces = q["transmission_bounces"]
        c.volume_bounces = q["volume_bounces"]
        c.use_fast_gi = q["fast_gi"]
        c.use_light_tree = q["light_tree"]
        c.ao_bounces_render = q["ao_bounces"]
        c.use_denoising = q["denoiser"] != "NONE"
        if c.use_denoising:
            c.denoiser = q["denoiser"]
            c.denoising_prefilter = q["denoise_prefilter"]
            c.denoising_quality = q["denoise_quality"]
        # Culling is switched per object; the scene flags enable it for the render.
        # With both on, Cycles culls only what is out of view *and* beyond the distance,
        # so the nearby canopy behind the camera still shades the clearing.
        near = q["camera_cull"] and q["cull_distance"] > 0
        c.use_camera_cull = q["camera_cull"]
        c.use_distance_cull = near
        c.distance_cull_margin = q["cull_distance"]
        for ob in scene.objects:
            ob.cycles.use_camera_cull = q["camera_cull"]
            ob.cycles.use_distance_cull = near
        if scene.world is not None:
            scene.world.cycles.sampling_method = "AUTOMATIC" if q["world_importance"] else "NONE"
    elif q["engine"] == "EEVEE":
        scene.eevee.taa_render_samples = q["samples"]
    cull_leaves_for(scene, q)
    halve_shells(scene, culls(q))


def culls(q: dict) -> bool:
    """Whether tier q leaves what the camera does not see out of its renders (Cycles only)."""
    return q["engine"] == "CYCLES" and q["camera_cull"]


def halve_shells(scene, on: bool) -> None:
    """Whether the hum's shells render as the half nearer the camera (blender.tending.near_half_group)."""
    for mod in near_half_modifiers(scene):
        compat.set_modifier_input(mod, names.NEAR_HALF, on)


def cull_leaves_for(scene, q: dict, cameras=None) -> None:
    """The leaves' culling for tier q: a cone round the view of cameras (objects; every scene camera when
    None, so a render from any shot keeps its leaves), or none where the tier does not cull. The batch
    narrows it to each frame's own camera (render.batch): a 50 or 85 mm shot keeps a fraction of the
    leaves the 24 mm orbit needs, and Cycles' sync and teardown scale with the leaves kept."""
    on = culls(q)
    cull_leaves(scene, view_cone_cos(scene, scene.cycles.camera_cull_margin, cameras) if on else -2.0,
                q["cull_distance"] if on else 0.0)


def cull_leaves(scene, cone: float, near: float) -> None:
    """Where the leaves' geometry nodes drop leaves in renders: outside the cone round the camera's
    view (cosine of its half-angle; -2.0 drops none) and farther than near (m)."""
    for ob in scene.objects:
        mod = ob.modifiers.get(names.LEAVES)
        if mod is not None and mod.type == "NODES" and mod.node_group is not None \
                and names.CULL_COS in mod.node_group.interface.items_tree:  # a .blend from before has none
            compat.set_modifier_input(mod, names.CULL_COS, cone)
            compat.set_modifier_input(mod, names.CULL_DISTANCE, near)


LEAF_ANGLE = math.radians(2.0)  # a leaf's own size beyond 20 m, and some


def view_cone_cos(scene, margin: float, cameras=None) -> float:
    """Cosine of the half-angle of a cone round the view that holds each camera's frame (cameras: objects,
    every scene camera when None): its diagonal at the widest lens any has (keyed or not), widened by Cycles' cull margin
    (`camera_cull_margin`: a fraction of the frame on each side, as Cycles' object_cull.cpp tests
    normalized device coordinates) and lens shift, plus LEAF_ANGLE. -2.0 (cull
    nothing) where a camera is not a perspective one, there is none, or the cone would pass 80 degrees."""
    aspect = (scene.render.resolution_y * scene.render.pixel_aspect_y) / max(
        scene.render.resolution_x * scene.render.pixel_aspect_x, 1e-9)
    widest = 0.0
    for ob in scene.objects if cameras is None else cameras:
        if ob is None or ob.type != "CAMERA":
            continue
        cam = ob.data
        if cam.type != "PERSP":
            return -2.0
        lens = [cam.lens]
        lens += [k.co[1] for fc in compat.fcurves(cam) if fc.data_path == "lens" for k in fc.keyframe_points]
        sensor = cam.sensor_height / aspect if cam.sensor_fit == "VERTICAL" else cam.sensor_width
        per = sensor / max(min(lens), 1e-3)  # the frame's width as a tangent; shift is in frame widths
        half_w = per / 2.0 * (1.0 + 2.0 * margin) + abs(cam.shift_x) * per  # the margin: on each side, in
        half_h = per * aspect / 2.0 * (1.0 + 2.0 * margin) + abs(cam.shift_y) * per  # frames (Cycles' object_cull)
        widest = max(widest, math.atan(math.hypot(half_w, half_h)) + LEAF_ANGLE)
    return math.cos(widest) if 0.0 < widest < math.radians(80.0) else -2.0
