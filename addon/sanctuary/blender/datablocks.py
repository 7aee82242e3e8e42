"""Ownership of Blender data: every ID a build makes carries its build's token.

That one custom property is how a rebuild finds everything the last build
made (and nothing the artist made) and how a failed build removes its
half-made data, leaving no orphans either way.
"""
from __future__ import annotations

import uuid

import bpy

from .names import ROOT, STAGE, TOKEN

# Where a build may create data; each is swept on rebuild and on failure.
OWNED = ("objects", "meshes", "materials", "node_groups", "actions", "images", "worlds", "cameras",
         "lights", "curves", "textures", "collections")


class Owner:
    """Creates and tags the data-blocks of one build."""

    def __init__(self, name: str, collection=None, token: str | None = None):
        """A new build; or, given a build's collection, more data made into it (a retime, under its own token)."""
        self.stage = "root"
        self.token = token or uuid.uuid4().hex
        if collection is None:
            self.collection = self.tag(bpy.data.collections.new(name))
            self.collection[ROOT] = True
        else:
            self.collection = collection

    def tag(self, id_data):
        id_data[TOKEN] = self.token
        id_data[STAGE] = self.stage
        return id_data

    def new(self, kind: str, name: str, *args):
        """bpy.data.<kind>.new(name, *args), tagged."""
        return self.tag(getattr(bpy.data, kind).new(name, *args))

    def object(self, name: str, data, collection=None):
        obj = self.new("objects", name, data)
        (collection or self.collection).objects.link(obj)
        return obj

    def child_collection(self, name: str, parent=None, hidden: bool = False):
        """A sub-collection; hidden ones hold shapes that are only ever instanced."""
        coll = self.new("collections", name)
        (parent or self.collection).children.link(coll)
        coll.hide_render = coll.hide_viewport = hidden
        return coll

    def key(self, id_data, data_path: str, frame: float, index: int = -1) -> None:
        """Keyframe a property at its current value; the action it lands in is owned too."""
        id_data.keyframe_insert(data_path, index=index, frame=frame)
        action = id_data.animation_data.action
        if TOKEN not in action:
            self.tag(action)


def owned_by(token: str, stages=None) -> list:
    """Every ID in the file made by the build with this token (by these stages only, if given)."""
    found = []
    for kind in OWNED:
        found += [i for i in getattr(bpy.data, kind)
                  if i.get(TOKEN) == token and (stages is None or i.get(STAGE) in stages)]
    return found


def remove_build(token: str, stages=None) -> int:
    """Delete everything a build (or these stages of it) made; returns how many IDs went."""
    ids = owned_by(token, stages)
    if ids:
        bpy.data.batch_remove(ids)
    return len(ids)


def reclaim_names(token: str) -> None:
    """After a rebuild, give "moat.001" its own name back once the old "moat" is gone."""
    for kind in OWNED:
        data = getattr(bpy.data, kind)
        for id_data in [i for i in data if i.get(TOKEN) == token]:
            base, dot, suffix = id_data.name.rpartition(".")
            if dot and suffix.isdigit() and len(suffix) == 3 and base not in data:
                id_data.name = base


def current_root(scene):
    """The build collection linked into this scene, if any."""
    for coll in scene.collection.children:
        if coll.get(ROOT):
            return coll
    return None
