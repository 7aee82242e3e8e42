"""What the scene is made of, as data: pure Python + numpy, grouped by what it makes.

- seeds, noise: the shared ground (named random streams, value noise)
- world: the forest, its mercury leaves and their drip, the ground and the sky
- clearing: the pedestal, the heart and the frost
- story: the film's clock and beats, shots, the tending acts and the heart's response, gathered
  leaves and water
- audio: the soundscape, its mastering and the captions
- plan: all of it worked out once per job from a validated preset (ScenePlan)

Nothing here imports bpy or mathutils, nor the config package: it takes the
validated preset as plain dicts (tests/core/test_layers.py).
"""
