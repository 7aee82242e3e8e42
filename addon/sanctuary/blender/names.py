"""Every name a build writes: objects, node groups, modifiers, attributes and custom properties.

The build writes them, the exporters and the panel look them up, and the tests
read them: from here, never as string literals of their own. A second build in
the same file gets Blender's ".001" copies until the first is gone; `base()`
takes that suffix off.
"""
from __future__ import annotations

import re

# Custom properties on the IDs a build makes.
TOKEN = "sanctuary_build"  # on every ID a build creates: which build made it
STAGE = "sanctuary_stage"  # which stage of the build made an ID ("forest", "tending", ...)
ROOT = "sanctuary_root"  # on the build's own collection
INSTANCER = "sanctuary_instancer"  # on point clouds that geometry nodes turn into thousands of instances
LINKED_LIGHT = "sanctuary_linked_light"  # on lights that mean something only through light linking: not exported
GROWN_FROM = "sanctuary_grown_from"  # on the root: the preset keys the forest was grown from (JSON)
TREE_XY = "sanctuary_tree_xy"  # on the root: where the trunks stand (x, y, x, y, ...)
CORRIDORS = "sanctuary_corridors"  # on the root: a hash of the camera paths the forest was cleared for
SHOT = "sanctuary_shot"  # on each shot camera: the shot's name
CHANNELS = "sanctuary_channels"  # on the heart: where its channels are documented

# Custom properties on the scene (the exporters carry them as extras and metadata).
SCENE_BUILD = TOKEN  # the token of the build in the scene
SCENE_MARKERS = "sanctuary_markers"  # names of the timeline markers the build added
SCENE_SHOTS = "sanctuary_shots"  # JSON: name, camera, frames, move, subject of each shot
SCENE_BEATS = "sanctuary_beats"  # JSON: name, start, end, first frame of each beat
SCENE_EVENTS = "sanctuary_events"  # JSON: every event of the tending (leaves lifted and placed, water, rings)
SCENE_PROPS = (SCENE_MARKERS, SCENE_SHOTS, SCENE_BEATS, SCENE_EVENTS, SCENE_BUILD)

# Objects.
FLOOR = "forest_floor"
LEAVES = "mercury_leaves"  # the leaves' point cloud; its geometry-nodes modifier has the same name
FALLEN = "fallen_leaves"
DROP = "mercury_drop"
PEDESTAL = "pedestal"
PEDESTAL_ROOTS = "pedestal_roots"
HEART = "heart"
HEART_LIGHT = "heart_light"
HEART_CONTACT = "heart_contact"  # the heart's glow on the stone it rests on
HEART_REACH = "heart_reach"  # the heart's light on the trunks round the clearing as the warmth returns
SUN = "kaleidoscopic_sun"
CRYSTALS = "frost_crystals"
MOAT = "moat"
FALLEN_SHAPE_0 = "fallen_shape_0"


def tree(index: int, species: str) -> str:
    return f"tree_{index:03d}_{species}"


def is_tree(name: str) -> bool:
    """A tree's object name, as tree() makes it (the bark mesh's name has no species)."""
    return re.fullmatch(r"tree_\d{3}_\w+", base(name)) is not None


def shape(kind: str, variant: int) -> str:
    """A leaf shape object/mesh: kind "leaf" (mercury) or "fallen" (gem)."""
    return f"{kind}_shape_{variant}"


def stream(act: int, index: int) -> str:
    """The index-th stream of the act-th coax_water act."""
    return f"stream_{act}_{index}"


def gathered_leaf(act: int, index: int) -> str:
    return f"gathered_leaf_{act}_{index:03d}"


def hum_ring(act: int, index: int) -> str:
    return f"hum_ring_{act}_{index}"


def shot_camera(shot: str) -> str:
    return f"shot_{shot}"


def drop_standin(index: int) -> str:
    """An export's keyed stand-in for one leaf's drop (export/standins.py)."""
    return f"drop_standin_{index:03d}"


# Node groups.
LEAVES_GROUP = "sanctuary_mercury_leaves"
FALLEN_GROUP = "sanctuary_fallen_leaves"
FROST_FRONT = "sanctuary_frost_front"
CRYSTALS_GROUP = "sanctuary_frost_crystals"
HUM_NEAR_GROUP = "sanctuary_hum_near_half"
LOOK_GROUP = "sanctuary_look"
COMPOSITING_GROUP = "sanctuary_compositing"

AIR_VOLUME = "sanctuary_air"  # the air's volume box: rendered at tiers with volumes (final)
RENDER_ONLY = "sanctuary_render_only"  # on objects that exist for Cycles' renders only (the air's box): not exported

# Geometry-nodes group inputs (keyed through compat.modifier_input_path).
SECONDS = "Seconds"
COVERAGE = "Coverage"
# The render camera's view cone (cosine of its half-angle; -2 culls nothing) and the distance within which
# everything stays: set by the quality tier (render.settings), read by the leaves' group.
CULL_COS, CULL_DISTANCE = "Cull Cosine", "Cull Distance"
# On the hum's shells: render only the half nearer the render camera (set by the tier with its culling),
# and the face attribute that tells the shimmer its shell is halved.
NEAR_HALF, HALVED = "Near Half", "sanctuary_halved"
HUM_NEAR = "hum_near_half"  # the shells' geometry-nodes modifier

# Point attributes the geometry nodes read.
LEAF_ROTATION, LEAF_SCALE, VARIANT = "leaf_rotation", "leaf_scale", "variant"
DRIP_PERIOD, DRIP_PHASE, TIP, FALL_HEIGHT = "drip_period", "drip_phase", "tip", "fall_height"
SAPPHIRE = "sapphire"
FROST_DISTANCE, CRYSTAL_ROTATION, CRYSTAL_SCALE, KIND, GLINT_PHASE = (
    "frost_distance", "crystal_rotation", "crystal_scale", "kind", "glint_phase")
GLINT = "glint"  # written by the crystals' nodes, read by their material

SUFFIX = re.compile(r"\.\d{3}$")


def base(name: str) -> str:
    """"mercury_leaves.001" (a second build in the file) -> "mercury_leaves"."""
    return SUFFIX.sub("", name)


# Warm motes (blender/motes.py): a point cloud whose geometry nodes place a soft mote on each point.
MOTES = "warm_motes"  # the motes' point cloud; its geometry-nodes modifier has the same name
MOTE_SHAPE = "warm_mote_shape"  # the small sphere each mote instances
MOTES_GROUP = "sanctuary_warm_motes"
VISIBLE = "Visible"  # group input: the share of the motes in the air (0..1), keyed
MOTE_DRIFT, MOTE_OMEGA, MOTE_PHASE, MOTE_ORDER, MOTE_SIZE, MOTE_TINT = (
    "mote_drift", "mote_omega", "mote_phase", "mote_order", "mote_size", "mote_tint")
HEART_THREADS = "heart_threads"
HEART_CORE = "heart_core"
EMISSIVE_TINT = "sanctuary_emissive_tint"  # a material's emission seen whole (RGB), for glTF's emissiveFactor
# On a material Blender's exporters cannot express (no Principled BSDF): what it should look like where
# it travels, {"base": [r, g, b], "alpha", "metallic", "roughness", "emissive": [r, g, b], "strength"}.
TRAVEL_LOOK = "sanctuary_travel_look"
DETAIL_COLOUR = "sanctuary_base_colour"  # a mesh's baked base colour, for an export (export/looks.py)
THIN_FILM = "sanctuary_thin_film"  # a node-made thin film's thickness range (nm), for glTF's iridescence
