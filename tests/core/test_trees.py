"""The forest as data: placement, skeletons, bark, leaves and the drip schedule (no bpy)."""
import numpy as np
import pytest

from sanctuary.config import presets
from sanctuary.core.story.shots import camera_corridors, plan_shots
from sanctuary.core.world import leaves, trees
from sanctuary.core.world.placement import place_trees, segment_distance


@pytest.fixture(scope="module")
def cfg():
    return presets.load_scene().data


def edges_of(corners, sizes):
    starts = np.cumsum(sizes) - sizes
    edges = []
    for s, n in zip(starts, sizes):
        face = corners[s:s + n]
        edges += [tuple(sorted((face[i], face[(i + 1) % n]))) for i in range(n)]
    uniq, counts = np.unique(np.array(edges), axis=0, return_counts=True)
    return uniq, counts


def test_placement_spacing_clearing_and_camera_corridors(cfg):
    corridors = camera_corridors(plan_shots(cfg))
    stand = place_trees(cfg, corridors)
    xy = stand.xy
    assert len(xy) == cfg["forest"]["tree_count"]
    d = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    assert d.min() >= cfg["forest"]["min_spacing"]
    r = np.hypot(xy[:, 0], xy[:, 1])
    assert r.min() > cfg["clearing"]["radius"] and r.max() <= cfg["forest"]["radius"]
    assert segment_distance(xy, corridors[:, 0], corridors[:, 1]).min() >= 2.6


def test_denser_and_taller_toward_the_clearing(cfg):
    stand = place_trees(cfg)
    r = np.hypot(stand.xy[:, 0], stand.xy[:, 1])
    edge = cfg["clearing"]["radius"]
    near, far = (r < edge + 8), (r > cfg["forest"]["radius"] - 8)
    area_near = np.pi * ((edge + 8) ** 2 - edge ** 2)
    area_far = np.pi * (cfg["forest"]["radius"] ** 2 - (cfg["forest"]["radius"] - 8) ** 2)
    assert near.sum() / area_near > far.sum() / area_far
    assert stand.height_scale[near].mean() > stand.height_scale[far].mean()


def test_placement_is_seeded(cfg):
    a, b = place_trees(cfg), place_trees(cfg)
    c = place_trees({**cfg, "seed": cfg["seed"] + 1})
    assert np.array_equal(a.xy, b.xy) and not np.array_equal(a.xy, c.xy)


@pytest.fixture(scope="module", params=[0, 1, 2])
def grown(request, cfg):
    sp = cfg["forest"]["species"][request.param]
    return sp, trees.grow_tree(sp, np.array([10.0, 0.0, 0.2]), sp["height"], cfg["seed"], request.param)


def test_skeleton_is_a_tree_with_radii_falling_to_the_tips(grown):
    sp, tree = grown
    pos, parent, radius = trees.skeleton_graph(tree)
    assert parent[0] == -1 and (parent[1:] >= 0).all()
    assert (parent[1:] < np.arange(1, len(parent))).all()  # parents come first: connected, no cycles
    assert (radius[1:] <= radius[parent[1:]] + 1e-12).all()
    assert radius[0] == pytest.approx(sp["trunk_radius"])
    tips = np.setdiff1d(np.arange(len(pos)), parent)
    assert radius[tips].max() < 0.25 * radius[0]
    assert pos[:, 2].max() > 0.2 + 0.8 * sp["height"]


def test_bark_is_closed_but_for_buried_branch_bases(grown, cfg):
    sp, tree = grown
    verts, corners, sizes = trees.bark_mesh(tree, cfg["seed"], 0)
    uniq, counts = edges_of(corners, sizes)
    assert counts.max() == 2  # manifold
    boundary = uniq[counts == 1]
    expected = sum(len(lv.pos) * trees.SIDES[i] for i, lv in enumerate(tree.levels))
    assert len(boundary) == expected  # one open ring per branch: its base ...
    # ... which lies inside its parent (or below the ground, for the trunk).
    base_rings = np.unique(boundary)
    assert (verts[base_rings, 2] < tree.base[2] + 0.05).sum() >= trees.SIDES[0]


def test_leaf_anchors_hang_from_the_outer_branches(grown, cfg):
    sp, tree = grown
    a = trees.leaf_anchors(tree, sp, 500, cfg["seed"], 0)
    assert a.position.shape == (500, 3) and np.isfinite(a.rotation).all()
    assert (a.position[:, 2] > tree.base[2] + 1.0).all()
    assert np.linalg.norm(a.tip - a.position, axis=1).max() < 1.3 * a.scale.max()


def test_leaf_and_drop_shapes_are_closed():
    for shape in [leaves.leaf_shape(v, 7) for v in range(leaves.VARIANTS)] + [leaves.drop_shape()]:
        _, counts = edges_of(shape.corners, shape.sizes)
        assert (counts == 2).all()
    a, b = leaves.leaf_shape(0, 7), leaves.leaf_shape(1, 7)
    assert not np.array_equal(a.vertices, b.vertices)


def test_drip_schedule_is_periodic_seeded_and_matches_the_cycle(cfg):
    n = 300
    cyc = leaves.drip_cycles(n, cfg["leaves"], cfg["seed"], "t")
    assert np.array_equal(cyc.period, leaves.drip_cycles(n, cfg["leaves"], cfg["seed"], "t").period)
    assert not np.array_equal(cyc.phase, leaves.drip_cycles(n, cfg["leaves"], cfg["seed"] + 1, "t").phase)
    tips = np.zeros((n, 3))
    tips[:, 2] = 5.0
    h = np.full(n, 5.0)
    ev = leaves.drip_events(cyc, tips, h, 0.0, 60.0)
    assert (np.diff(ev.release) >= 0).all() and (ev.release >= 0).all() and (ev.release < 60).all()
    s = np.mod(ev.release / cyc.period[ev.leaf] + cyc.phase[ev.leaf], 1.0)
    assert np.allclose(np.minimum(np.abs(s - (leaves.REST + leaves.SWELL)), 1 - np.abs(s - leaves.REST - leaves.SWELL)),
                       0.0, atol=1e-9)
    assert np.allclose(ev.land - ev.release, np.sqrt(2 * 5.0 / leaves.GRAVITY))
    # Each leaf drips once per period: consecutive drops of a leaf are exactly one period apart.
    for leaf in range(5):
        times = ev.release[ev.leaf == leaf]
        assert len(times) >= 60 / cyc.period[leaf] - 1
        assert np.allclose(np.diff(times), cyc.period[leaf])


def test_no_fallen_leaves_where_the_clearing_is_wider_than_the_forest():
    """A valid preset can make the clearing wider than the forest: no trees grow, no leaves fall
    (hypothesis found clearing.radius=30 failing the build)."""
    cfg = presets.load_scene(overrides=("clearing.radius=30.0", "forest.radius=15.0")).data
    fallen = leaves.scatter_fallen(cfg, lambda x, y: np.zeros_like(x))
    assert len(fallen.position) == 0 and len(place_trees(cfg).xy) == 0
    normal = leaves.scatter_fallen(presets.load_scene().data, lambda x, y: np.zeros_like(x))
    assert len(normal.position) == presets.load_scene().data["leaves"]["fallen_count"]
