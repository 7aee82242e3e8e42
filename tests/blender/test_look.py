"""The look, on tiny renders: the forest is a kaleidoscope, the panic is cold and grey, the sky turns.

Orderings only, robust at 96x54: the figures of the look are scripts/bench_look.py's.
"""
import sys

import numpy as np
import pytest
from conftest import ROOT

bpy = pytest.importorskip("bpy")

from sanctuary import jobs  # noqa: E402
from sanctuary.blender import compat, look, names  # noqa: E402
from sanctuary.config import presets  # noqa: E402
from sanctuary.render.settings import apply_quality  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from bench_look import colourfulness, mean_hue, read_png  # noqa: E402
from bench_render import psnr  # noqa: E402

pytestmark = pytest.mark.slow  # renders


@pytest.fixture(scope="module")
def film():
    jobs.new_file()
    loaded = presets.load_scene("default", overrides=("forest.tree_count=60", "forest.leaves_per_tree=500"))
    jobs.build(loaded)
    scene = bpy.context.scene
    apply_quality(scene, {**presets.load_quality("draft").data, "resolution": [96, 54], "samples": 4})
    return scene


def render(scene, frame, tmp_path):
    scene.frame_set(frame)
    bpy.ops.render.render()
    path = tmp_path / f"f{frame}.png"
    bpy.data.images["Render Result"].save_render(filepath=str(path))
    return read_png(path)


def test_the_forest_is_more_colourful_than_the_panic_and_its_hue_turns(film, tmp_path):
    forest = [render(film, f, tmp_path) for f in (1, 97)]  # the forest beat, 4 s apart: one shot
    panic = render(film, 613, tmp_path)
    assert min(colourfulness(f) for f in forest) > 2 * colourfulness(panic)
    turned = abs((mean_hue(forest[0]) - mean_hue(forest[1]) + 180) % 360 - 180)
    assert turned > 45  # the sun's hue, and the light it gives, cycles


def test_light_in_the_air_follows_the_tier(film, tmp_path):
    """Haze and shafts in the compositor at the tiers without volumes; the air's volume box at final,
    through which the sky and the sun still light the forest (a world volume had blacked them out)."""
    box = bpy.data.objects[names.AIR_VOLUME]
    group = next(g for g in compat.compositor_groups(film) if look.HAZE_NODE in g.nodes)
    assert box.hide_render and not group.nodes[look.HAZE_NODE].mute
    final = {**presets.load_quality("final").data, "resolution": [96, 54], "samples": 4, "adaptive_threshold": 0.0,
             "motion_blur": False}
    apply_quality(film, final)
    assert not box.hide_render and not box.hide_viewport and group.nodes[look.HAZE_NODE].mute
    assert group.nodes[look.BEAMS_NODE].mute
    hazy = render(film, 936, tmp_path)
    box.hide_render = True
    without = render(film, 936, tmp_path)
    apply_quality(film, {**presets.load_quality("draft").data, "resolution": [96, 54], "samples": 4})
    assert box.hide_render and box.hide_viewport and not group.nodes[look.HAZE_NODE].mute
    assert not film.world.node_tree.nodes[next(n.name for n in film.world.node_tree.nodes
                                               if n.bl_idname == "ShaderNodeOutputWorld")].inputs["Volume"].is_linked
    assert hazy.astype(float).mean() > 0.6 * without.astype(float).mean()  # hazed, not blacked out as by a world volume


def test_mercury_is_a_mirror_and_the_floor_holds_pools(film):
    leaf = bpy.data.materials["mercury"].node_tree.nodes["Principled BSDF"]
    assert leaf.inputs["Roughness"].default_value <= 0.05 + 1e-6 and leaf.inputs["Metallic"].default_value == 1.0
    floor = bpy.data.materials["forest_floor"].node_tree.nodes["Principled BSDF"]
    assert floor.inputs["Metallic"].is_linked and floor.inputs["Thin Film Thickness"].is_linked  # the pools


# --- the clearing, through fixed cameras (readme_images.py's): the heart, the stone, the moat ------

from bench_look import heart_ratio, luminance, projected_box  # noqa: E402
from readme_images import CLEARING_CAM, HEART_CAM, fixed_camera  # noqa: E402

FOREST, PANIC, RESPONSE, SANCTUARY = 109, 613, 1201, 1369  # the middles of those beats


def through(scene, cam, frames, tmp_path, obj=None):
    """[(image, box of obj or None)] of frames seen through a fixed camera."""
    restore = fixed_camera(scene, *cam)
    try:
        return [(render(scene, f, tmp_path), obj and projected_box(scene, obj, f)) for f in frames]
    finally:
        restore()


def window(rgb, box):
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = box
    return rgb[int(y0 * h):max(int(y1 * h), int(y0 * h) + 1), int(x0 * w):max(int(x1 * w), int(x0 * w) + 1)]


def test_the_heart_outshines_its_surround_when_warm_and_shrinks_and_dims_when_grasped(film, tmp_path):
    heart = bpy.data.objects[names.HEART]
    seen = dict(zip((FOREST, PANIC, RESPONSE, SANCTUARY),
                    through(film, HEART_CAM, (FOREST, PANIC, RESPONSE, SANCTUARY), tmp_path, heart)))
    for f in (RESPONSE, SANCTUARY):
        assert heart_ratio(*seen[f]) > 1.0, f  # brighter than what lies around it
    area = {f: (b[2] - b[0]) * (b[3] - b[1]) for f, (_, b) in seen.items()}
    assert area[PANIC] < 0.5 * area[FOREST]
    # The heart's own light: the brightest tenth of its box (the box's mean mixes in what lies behind it,
    # which the sanctuary's dusk darkens).
    lum = {f: np.percentile(luminance(window(img, b)), 90) for f, (img, b) in seen.items()}
    assert lum[PANIC] < lum[FOREST] and lum[PANIC] < lum[SANCTUARY], lum


def test_frost_whitens_the_stone_at_the_panic_and_the_moat_is_not_white(film, tmp_path):
    stone = bpy.data.objects[names.PEDESTAL]
    (cold, box_cold), (warm, box_warm) = through(film, CLEARING_CAM, (PANIC, SANCTUARY), tmp_path, stone)

    def whiteness(img, box):  # the least channel: high only where all three are, white
        return (window(img, box).min(axis=-1) / 255.0).mean()

    assert whiteness(cold, box_cold) > whiteness(warm, box_warm) + 0.1
    moat = bpy.data.objects[names.MOAT]
    r = moat.data.splines[0].points[0].co
    ring = moat.matrix_world @ r.to_3d()
    (img, _), = through(film, ((ring.x, ring.y - 0.05, ring.z + 0.8), tuple(ring), 50.0), (RESPONSE,), tmp_path)
    middle = img[18:36, 32:64].reshape(-1, 3) / 255.0
    assert middle.min(axis=-1).mean() < 0.7  # water, not white tubes


def test_the_hearts_light_reaches_the_trunks_round_the_clearing_as_the_warmth_returns(film, tmp_path):
    reach = bpy.data.objects[names.HEART_REACH]
    trunks = list(reach.light_linking.receiver_collection.objects)
    assert trunks and all(names.is_tree(t.name) for t in trunks)
    film.frame_set(PANIC)
    assert reach.data.energy == 0.0  # no warmth in the air yet
    film.frame_set(SANCTUARY)
    assert reach.data.energy > 10 * bpy.data.objects[names.HEART_LIGHT].data.energy
    # The nearest trunk, seen from beside the heart, lit with its reach and without.
    heart = np.array(bpy.data.objects[names.HEART_LIGHT].matrix_world.translation)
    trunk = min(trunks, key=lambda t: np.hypot(*(np.array(t.location)[:2] - heart[:2])))
    aim = np.array(trunk.location) + (0.0, 0.0, 1.5)
    eye = heart + 0.7 * (aim - heart) + (0.0, 0.0, 0.3)
    power = next(fc for fc in compat.fcurves(reach.data) if fc.data_path == "energy")
    seen = []
    for mute in (False, True):
        power.mute = mute
        if mute:
            reach.data.energy = 0.0
        (img, _), = through(film, (tuple(eye), tuple(aim), 50.0), (SANCTUARY,), tmp_path)
        seen.append(luminance(img[18:36, 42:54]).mean())  # the trunk, in the middle of the frame
    power.mute = False
    assert seen[0] > 1.5 * seen[1], seen


def test_leaves_out_of_view_are_dropped_before_cycles_and_the_picture_keeps(film, tmp_path):
    """The tier's camera culling, done in the leaves' geometry nodes (render.settings sets the cone):
    the picture is the one Cycles makes with every leaf, and the leaves kept keep their colours."""
    mod = bpy.data.objects[names.LEAVES].modifiers[names.LEAVES]
    cone, near = compat.modifier_input(mod, names.CULL_COS), compat.modifier_input(mod, names.CULL_DISTANCE)
    assert 0.6 < cone < 0.8
    try:
        culled = render(film, 54, tmp_path)
        compat.set_modifier_input(mod, names.CULL_COS, -2.0)
        every = render(film, 54, tmp_path)
        compat.set_modifier_input(mod, names.CULL_COS, 0.9999)  # a cone of a degree: the canopy goes
        compat.set_modifier_input(mod, names.CULL_DISTANCE, 0.0)
        bare = render(film, 54, tmp_path)
    finally:
        compat.set_modifier_input(mod, names.CULL_COS, cone)
        compat.set_modifier_input(mod, names.CULL_DISTANCE, near)
    kept = psnr(culled.astype(float) / 255, every.astype(float) / 255)
    assert kept > 35.0 and psnr(bare.astype(float) / 255, every.astype(float) / 255) < kept - 10.0
