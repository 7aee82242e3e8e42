"""Meshes from arrays: what Mesh.validate() would repair is refused before Blender sees it."""
import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from sanctuary.blender.datablocks import Owner  # noqa: E402
from sanctuary.blender.meshes import mesh_from_polygons  # noqa: E402

QUAD = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], float)


@pytest.mark.parametrize("corners, sizes", [
    ([0, 1, 2, 4], [4]),  # an index past the vertices
    ([0, 1, 2, 3], [2, 2]),  # faces of two corners
    ([0, 1, 2, 3], [3]),  # sizes not adding up to the corners
    ([0, -1, 2, 3], [4]),
])
def test_bad_arrays_are_refused(corners, sizes):
    with pytest.raises(ValueError, match="mesh 'bad'"):
        mesh_from_polygons(Owner("test"), "bad", QUAD, np.array(corners), np.array(sizes))


def test_a_good_mesh_is_smooth_or_flat_as_asked():
    for smooth in (True, False):
        mesh = mesh_from_polygons(Owner("test"), "quad", QUAD, np.arange(4), np.array([4]), smooth=smooth)
        assert len(mesh.polygons) == 1 and mesh.polygons[0].loop_total == 4 and len(mesh.edges) == 4
        assert mesh.polygons[0].use_smooth == smooth
