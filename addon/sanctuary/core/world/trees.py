"""Trees grown as data: skeletons, pipe-model radii, bark meshes and leaf anchors.

Growth is a Weber-Penn style recursion, vectorised per level: a trunk, then
children spawned at parent nodes with a spiral (golden-angle) azimuth, each a
polyline that bends up toward the light or down under its own weight (droop).
Species are parameter tables from the preset, never classes. Every tree has
its own seed stream, so no two trees are alike and the forest repeats exactly.

Radii follow the pipe model (da Vinci: r^2 at a node is proportional to the
sum of r^2 of what it carries), so trunks taper and branches thin out toward
their tips; the trunk flares into root buttresses that sink into the ground.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import euler_from_basis, join_tubes, normalize, perpendicular, tangents, tube_mesh
from ..seeds import stream

GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))
NODES = (14, 7, 5, 4, 3)  # polyline nodes per branch, by level (0 = trunk)
SIDES = (16, 8, 6, 4, 3)  # bark ring vertices, by level
CHILDREN = (0, 5, 4, 3, 3)  # mean children per parent branch, by level (level 1 is set by the crown)
MIN_RADIUS = 0.004
SINK = 0.35  # how far the trunk base reaches below the ground


@dataclass
class Level:
    pos: np.ndarray  # (B, k, 3); node 0 is the spawn point on the parent's axis
    parent_branch: np.ndarray  # (B,) index into the previous level (-1 for the trunk)
    parent_node: np.ndarray  # (B,) node index on the parent branch
    length: np.ndarray  # (B,)
    radius: np.ndarray | None = None  # (B, k), set by pipe_radii


@dataclass
class Tree:
    levels: list[Level]
    base: np.ndarray  # (3,) trunk base on the ground
    height: float


def _polyline(start: np.ndarray, direction: np.ndarray, length: np.ndarray, k: int, droop: float,
              rng: np.random.Generator, up_pull: float, wiggle: float) -> np.ndarray:
    """Grow B polylines of k nodes, bending each step toward the light or the ground."""
    pos = np.empty((len(start), k, 3))
    pos[:, 0] = start
    d = direction.copy()
    seg = (length / (k - 1))[:, None]
    up = np.array([0.0, 0.0, 1.0])
    for s in range(1, k):
        pos[:, s] = pos[:, s - 1] + d * seg
        f = s / (k - 1)
        bend = up * (up_pull * (1.0 - droop)) - up * (droop * 0.55 * f)
        d = normalize(d + bend + rng.normal(0.0, wiggle, d.shape))
    return pos


def grow_tree(sp: dict, base: np.ndarray, height: float, seed: int, index: int) -> Tree:
    """One tree of species `sp` standing at `base` (x, y, ground z)."""
    rng = stream(seed, "tree", index)
    crown = sp["crown_radius"] * (0.85 + 0.3 * rng.uniform())
    # Trunk: a gently leaning, slightly wandering column, its base sunk into the ground.
    k0 = NODES[0]
    lean = normalize(np.array([*rng.normal(0.0, 0.06, 2), 1.0]))
    trunk = _polyline(np.array([base - [0.0, 0.0, SINK]]), lean[None], np.array([height + SINK]), k0, 0.0,
                      rng, up_pull=0.05, wiggle=0.035)
    levels = [Level(trunk, np.array([-1]), np.array([0]), np.array([height + SINK]))]

    crown_base = float(np.clip(1.0 - 2.1 * crown / height, 0.2, 0.62))
    for lv in range(1, sp["branch_levels"] + 1):
        parent = levels[-1]
        k_parent = parent.pos.shape[1]
        if lv == 1:
            n = int(10 + 8 * (1.0 - crown_base))
            t = np.sort(rng.uniform(crown_base, 0.96, n))
            p_branch = np.zeros(n, int)
            p_node = np.clip(np.rint(t * (k_parent - 1)).astype(int), 1, k_parent - 1)
            tn = (t - crown_base) / (0.96 - crown_base)
            if sp["branch_angle"] < 40.0:  # spire: a cone, long branches low, short at the top
                length = crown * (1.25 - 1.0 * tn)
            else:  # rounded crown, longest through the middle
                length = crown * (0.65 + 0.55 * np.sin(np.pi * (0.15 + 0.75 * tn)))
            azimuth = np.arange(n) * GOLDEN_ANGLE + rng.uniform(0, 2 * np.pi)
        else:
            counts = rng.poisson(CHILDREN[lv], len(parent.pos)).clip(1, CHILDREN[lv] + 3)
            p_branch = np.repeat(np.arange(len(parent.pos)), counts)
            n = len(p_branch)
            p_node = rng.integers(1, k_parent, n)
            tj = p_node / (k_parent - 1)
            length = parent.length[p_branch] * (0.55 - 0.12 * lv) * (1.15 - 0.55 * tj) * rng.uniform(0.8, 1.2, n)
            azimuth = np.cumsum(np.full(n, GOLDEN_ANGLE)) + rng.uniform(0, 2 * np.pi, n)
        length = length * rng.uniform(0.85, 1.15, n)
        start = parent.pos[p_branch, p_node]
        t_par = tangents(parent.pos)[p_branch, p_node]
        nrm = perpendicular(t_par)
        bin_ = np.cross(t_par, nrm)
        angle = np.radians(sp["branch_angle"] * (1.0 if lv == 1 else 0.85) + rng.normal(0.0, 8.0, n))
        side = np.cos(azimuth)[:, None] * nrm + np.sin(azimuth)[:, None] * bin_
        if lv == 1:  # first branches leave the trunk horizontally around it, not in its frame
            side = normalize(np.stack([np.cos(azimuth), np.sin(azimuth), np.zeros(n)], axis=1))
        direction = normalize(np.cos(angle)[:, None] * t_par + np.sin(angle)[:, None] * side)
        pos = _polyline(start, direction, length, NODES[lv], sp["droop"], rng, up_pull=0.12, wiggle=0.08)
        levels.append(Level(pos, p_branch, p_node, length))
    tree = Tree(levels, base, height)
    pipe_radii(tree, sp["trunk_radius"])
    return tree


def pipe_radii(tree: Tree, trunk_radius: float) -> None:
    """r^2 proportional to the number of nodes a node carries (itself and all beyond it)."""
    incoming = [np.zeros(lv.pos.shape[:2]) for lv in tree.levels]
    weights = [None] * len(tree.levels)
    for li in range(len(tree.levels) - 1, -1, -1):
        lv = tree.levels[li]
        own = np.ones(lv.pos.shape[:2]) + incoming[li]
        if li > 0:
            own[:, 0] = 0.0  # node 0 belongs to the parent
        w = np.cumsum(own[:, ::-1], axis=1)[:, ::-1]
        if li > 0:
            w[:, 0] = w[:, 1]
            np.add.at(incoming[li - 1], (lv.parent_branch, lv.parent_node), w[:, 1])
        weights[li] = w
    root = weights[0][0, 0]
    for lv, w in zip(tree.levels, weights):
        lv.radius = np.maximum(trunk_radius * np.sqrt(w / root), MIN_RADIUS)


def skeleton_graph(tree: Tree) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tree as nodes: positions (N, 3), parent index (N,) (-1 at the root), radius (N,).

    A child's spawn node is its parent's node, so the graph is one connected tree.
    """
    pos, parent, radius, index = [], [], [], []
    for li, lv in enumerate(tree.levels):
        g = np.empty(lv.pos.shape[:2], int)
        for b in range(g.shape[0]):
            for j in range(g.shape[1]):
                if li > 0 and j == 0:
                    g[b, 0] = index[li - 1][lv.parent_branch[b], lv.parent_node[b]]
                    continue
                g[b, j] = len(pos)
                pos.append(lv.pos[b, j])
                radius.append(lv.radius[b, j])
                parent.append(-1 if li == 0 and j == 0 else g[b, j - 1])
        index.append(g)
    return np.array(pos), np.array(parent), np.array(radius)


# --- bark -------------------------------------------------------------------------------


def bark_mesh(tree: Tree, seed: int, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closed bark: a tube per branch (its base buried in its parent), tips capped.

    Returns vertices (V, 3) float32, face corner indices (C,) int32 and face sizes (F,) int32.
    """
    rng = stream(seed, "bark", index)
    parts, offset = [], 0
    for li, lv in enumerate(tree.levels):
        sides = SIDES[min(li, len(SIDES) - 1)]
        r = lv.radius
        if li == 0:  # root flare and buttresses, fading out about a metre up
            theta = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
            h = np.maximum(lv.pos[:, :, 2:3] - tree.base[2], 0.0)
            flare = 1.0 + 0.9 * np.exp(-h / 0.45)
            ridges = 1.0 + 0.45 * np.exp(-h / 0.5) * np.maximum(np.cos(5 * theta + rng.uniform(0, 2 * np.pi)), 0) ** 2
            r = r[:, :, None] * flare * ridges
        part = tube_mesh(lv.pos, r, sides, offset)
        parts.append(part)
        offset += len(part[0])
    return join_tubes(parts)


# --- leaf anchors -------------------------------------------------------------------------


@dataclass
class LeafAnchors:
    position: np.ndarray  # (L, 3) leaf base
    rotation: np.ndarray  # (L, 3) XYZ Euler: leaf length along local +Y, face along local +Z
    scale: np.ndarray  # (L,)
    tip: np.ndarray  # (L, 3) where drops form
    variant: np.ndarray  # (L,) which leaf shape


def leaf_anchors(tree: Tree, sp: dict, count: int, seed: int, index: int, variants: int = 4) -> LeafAnchors:
    """Leaves along the outer branches, facing the sky, hanging as much as the species droops."""
    rng = stream(seed, "leaves", index)
    # Leaf-bearing segments: all of the outermost level, and the outer half of the one before.
    seg_a, seg_b, seg_r = [], [], []
    for lv, first in ((tree.levels[-1], 1), (tree.levels[-2], tree.levels[-2].pos.shape[1] // 2)):
        seg_a.append(lv.pos[:, first - 1:-1].reshape(-1, 3))
        seg_b.append(lv.pos[:, first:].reshape(-1, 3))
        seg_r.append(lv.radius[:, first:].reshape(-1))
    seg_a, seg_b, seg_r = np.concatenate(seg_a), np.concatenate(seg_b), np.concatenate(seg_r)
    seg_len = np.linalg.norm(seg_b - seg_a, axis=1)
    pick = rng.choice(len(seg_a), size=count, p=seg_len / seg_len.sum())
    f = rng.uniform(0.0, 1.0, count)[:, None]
    pos = seg_a[pick] + f * (seg_b[pick] - seg_a[pick])
    tangent = normalize(seg_b[pick] - seg_a[pick])
    side = normalize(np.cross(tangent, rng.normal(0.0, 1.0, (count, 3))))
    down = np.array([0.0, 0.0, -1.0])
    y_axis = normalize(0.45 * tangent + side + down * (0.2 + 1.1 * sp["droop"]) + rng.normal(0, 0.25, (count, 3)))
    up = normalize(np.array([0.0, 0.0, 1.0]) + rng.normal(0.0, 0.35, (count, 3)))
    z_axis = normalize(up - np.sum(up * y_axis, axis=1, keepdims=True) * y_axis)
    x_axis = np.cross(y_axis, z_axis)
    pos = pos + side * seg_r[pick][:, None]  # the stem leaves from the bark, not the axis
    scale = sp["leaf_size"] * rng.uniform(0.75, 1.25, count)
    tip = pos + y_axis * scale[:, None] * 0.98 - z_axis * scale[:, None] * 0.18
    variant = rng.integers(0, variants, count).astype(np.int32)
    return LeafAnchors(pos, euler_from_basis(x_axis, y_axis, z_axis), scale, tip, variant)


@dataclass
class Forest:
    """The grown forest: every tree, and every living leaf with its drip cycle."""

    trees: list  # Tree, in stand order
    species: list  # index into cfg["forest"]["species"] per tree
    xy: np.ndarray  # (T, 2) trunk positions
    leaves: LeafAnchors | None  # all trees' leaves, concatenated (None without leaves)
    fall_height: np.ndarray  # (L,) tip height above the ground: how far a drop falls
    cycles: object  # core.world.leaves.DripCycle of every leaf


def grow_forest(cfg: dict, corridors: np.ndarray) -> Forest:
    """Trees placed off the camera corridors, grown, and their leaves hung (the Blender forest and the
    soundscape's drips both come from here)."""
    from .ground import height
    from .leaves import VARIANTS, drip_cycles
    from .placement import place_trees

    seed, forest = cfg["seed"], cfg["forest"]
    stand = place_trees(cfg, corridors)
    trees, anchors = [], []
    for i, (xy, gz, sp_i, hs) in enumerate(zip(stand.xy, stand.ground_z, stand.species, stand.height_scale)):
        sp = forest["species"][sp_i]
        tree = grow_tree(sp, np.array([xy[0], xy[1], gz]), sp["height"] * hs, seed, i)
        trees.append(tree)
        if forest["leaves_per_tree"]:
            anchors.append(leaf_anchors(tree, sp, forest["leaves_per_tree"], seed, i, VARIANTS))
    leaves = None
    if anchors:
        leaves = LeafAnchors(*(np.concatenate([getattr(a, f) for a in anchors])
                               for f in ("position", "rotation", "scale", "tip", "variant")))
    tips = leaves.tip if leaves is not None else np.zeros((0, 3))
    fall_h = np.maximum(tips[:, 2] - height(tips[:, 0], tips[:, 1], cfg), 0.05)
    cycles = drip_cycles(len(tips), cfg["leaves"], seed, "forest")
    return Forest(trees, list(stand.species), stand.xy, leaves, fall_h, cycles)
