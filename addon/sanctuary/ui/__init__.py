"""The add-on's face in Blender: settings on the scene, operators, the sidebar panel."""
import atexit

import bpy

from . import operators, panels, properties

_registered: list = []


@bpy.app.handlers.persistent
def _stop_render_on_load(*_args) -> None:
    """Opening another file (or quitting Blender) ends the render's modal operator: stop its process too."""
    job = operators.running_render()
    if job is not None:
        job.cancel()
        operators._job["process"] = None


def register():
    # Property groups are made from the preset schema at registration (see properties.py).
    groups = properties.make_classes()  # the scene's settings group is the last
    for cls in (*groups, *operators.CLASSES, *panels.CLASSES):
        bpy.utils.register_class(cls)
        _registered.append(cls)
    bpy.types.Scene.sanctuary = bpy.props.PointerProperty(type=groups[-1])
    bpy.app.handlers.load_pre.append(_stop_render_on_load)
    atexit.register(_stop_render_on_load)


def unregister():
    if _stop_render_on_load in bpy.app.handlers.load_pre:
        bpy.app.handlers.load_pre.remove(_stop_render_on_load)
    atexit.unregister(_stop_render_on_load)
    _stop_render_on_load()
    if hasattr(bpy.types.Scene, "sanctuary"):
        del bpy.types.Scene.sanctuary
    while _registered:
        bpy.utils.unregister_class(_registered.pop())
