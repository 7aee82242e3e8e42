"""The export profiles' arithmetic, without Blender: instance caps, dropped transmission, the triangle count."""
import sys

import numpy as np
import pytest
from conftest import ROOT

from sanctuary.config.errors import ConfigError
from sanctuary.export.instances import capped
from sanctuary.jobs.paths import check_export_profile

sys.path.insert(0, str(ROOT / "scripts"))
from bench_export import triangles_a_frame  # noqa: E402


def mats(n):
    m = np.tile(np.eye(4), (n, 1, 1))
    m[:, 0, 3] = np.arange(n)
    return m


def test_a_cap_thins_each_shape_of_an_instancer_evenly_and_leaves_the_others():
    groups = {"needle": ("frost", mats(300)), "dendrite": ("frost", mats(100)), "leaf": ("leaves", mats(5000))}
    out = capped(groups, {"frost": 40})
    assert len(out["needle"][1]) == 30 and len(out["dendrite"][1]) == 10  # in proportion, 40 in all
    assert out["needle"][1][0, 0, 3] == 0 and out["needle"][1][-1, 0, 3] == 299  # spread over all of them
    assert len(np.unique(out["needle"][1][:, 0, 3])) == 30
    assert out["leaf"][1] is groups["leaf"][1]
    assert all(capped(groups, {"frost": 1000})[k][1] is groups[k][1] for k in groups)


def test_triangles_a_frame_counts_instances_and_children():
    doc = {"accessors": [{"count": 48}, {"count": 3}, {"count": 7}],
           "meshes": [{"primitives": [{"indices": 0, "attributes": {"POSITION": 1}}]}],
           "nodes": [{"mesh": 0, "children": [1]},
                     {"mesh": 0, "extensions": {"EXT_mesh_gpu_instancing": {"attributes": {"TRANSLATION": 2}}}},
                     {"mesh": 0}],  # not in the scene
           "scenes": [{"nodes": [0]}]}
    assert triangles_a_frame(doc) == 16 + 16 * 7


def test_an_unknown_profile_is_refused_by_name():
    assert check_export_profile("realtime") == "realtime"
    with pytest.raises(ConfigError, match="expected one of film, realtime, found 'mobile'"):
        check_export_profile("mobile")
    assert check_export_profile("film", "blend") == "film"
    with pytest.raises(ConfigError, match="a .blend is the scene itself: realtime is for glb, gltf"):
        check_export_profile("realtime", "blend")
