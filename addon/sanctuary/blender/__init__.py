"""Turns core data into Blender data: meshes, materials, keyframes, cameras, world."""
