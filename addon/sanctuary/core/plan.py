"""The scene worked out once per job.

A ScenePlan is made from one validated preset and handed to everything that
reads the scene: the Blender build, the soundtrack, frame selection, the
exports. Each part is computed the first time it is asked for and kept, so a
render grows its forest once (for the build and the chimes alike) and a dry
run, which needs only the shots, grows none.
"""
from __future__ import annotations

from functools import cached_property

import numpy as np

from .story import tending, timeline
from .story.shots import ShotPlan, camera_corridors, plan_shots
from .world import sky
from .world.trees import Forest, grow_forest


class ScenePlan:
    """Everything the preset decides, as data.

    cfg: the validated preset (plain dicts). tree_xy: where the trunks stand,
    when they are known without growing the forest (a retime keeps the built
    forest, whose positions the build remembered).
    """

    def __init__(self, cfg: dict, tree_xy: np.ndarray | None = None):
        self.cfg = cfg
        if tree_xy is not None:
            self.tree_xy = np.asarray(tree_xy, dtype=np.float64).reshape(-1, 2)

    @property
    def seed(self) -> int:
        return self.cfg["seed"]

    @property
    def fps(self) -> int:
        return self.cfg["timeline"]["fps"]

    @cached_property
    def frames(self) -> tuple[int, int]:
        """The film's first and last frame."""
        return timeline.frame_range(self.cfg["timeline"])

    @cached_property
    def shots(self) -> list[ShotPlan]:
        return plan_shots(self.cfg)

    @cached_property
    def corridors(self) -> np.ndarray:
        """(S, 2, 2) ground segments the cameras fly along: no trunk stands on them."""
        return camera_corridors(self.shots)

    @cached_property
    def forest(self) -> Forest:
        return grow_forest(self.cfg, self.corridors)

    @cached_property
    def tree_xy(self) -> np.ndarray:
        return self.forest.xy

    @cached_property
    def response(self) -> tending.Response:
        """The heart's channels over the film, from the acts."""
        return tending.respond(self.cfg)

    @cached_property
    def sky(self) -> tuple[np.ndarray, sky.SkyState]:
        """The kaleidoscopic sky through the film: (seconds (T,), its state at them), keyed often enough
        that what does not move linearly (the warmth, the sun sinking, the dusk) follows the story."""
        step = min(self.cfg["sky"]["hue_cycle"] / sky.KEYS_PER_CYCLE, 1.0)
        seconds = np.arange(0.0, timeline.film_seconds(self.cfg["timeline"]) + step, step)
        warm = tending.world_warmth(self.cfg, seconds, self.response.channels["warmth"])
        return seconds, sky.sky_state(self.cfg["sky"], seconds, self.seed, warm,
                                      tending.sun_elevation(self.cfg, seconds),
                                      tending.daylight(self.cfg, seconds, self.response.channels["frost"]))

    @cached_property
    def schedule(self) -> tending.Schedule:
        """What the acts make happen, timed: leaves gathered, water, hum rings, every event."""
        return tending.schedule(self.cfg, self.tree_xy)
