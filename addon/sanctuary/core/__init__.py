"""Pure Python + numpy: configuration, seeds, timeline and geometry as data.

Nothing in this package may import bpy or mathutils (tests/test_core_purity.py).
"""
