"""The add-on's face in Blender: settings on the scene, operators, the sidebar panel."""
import bpy

from . import operators, panels, properties

CLASSES = (properties.SanctuarySettings, operators.SANCTUARY_OT_build, operators.SANCTUARY_OT_random_seed,
           operators.SANCTUARY_OT_export, panels.SANCTUARY_PT_scene)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.sanctuary = bpy.props.PointerProperty(type=properties.SanctuarySettings)


def unregister():
    del bpy.types.Scene.sanctuary
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
