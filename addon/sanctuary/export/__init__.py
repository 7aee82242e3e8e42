"""Exporting the keyframed scene: glTF, USD, Alembic, FBX and .blend."""
