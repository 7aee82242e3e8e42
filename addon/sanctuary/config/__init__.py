"""What presets may say and how they are read: the schema language, the scene and tier keys, presets, overrides
and the one error type of bad input. No bpy, no numpy needed."""
