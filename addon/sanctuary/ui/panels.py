"""The "Sanctuary" tab in the 3D viewport sidebar."""
import bpy


class SANCTUARY_PT_scene(bpy.types.Panel):
    bl_label = "Sanctuary"
    bl_idname = "SANCTUARY_PT_scene"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Sanctuary"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.sanctuary
        layout.prop(settings, "preset")
        row = layout.row(align=True)
        row.prop(settings, "use_preset_seed", text="", icon="LOCKED" if settings.use_preset_seed else "UNLOCKED")
        sub = row.row(align=True)
        sub.enabled = not settings.use_preset_seed
        sub.prop(settings, "seed")
        sub.operator("sanctuary.random_seed", text="", icon="FILE_REFRESH")
        layout.operator("sanctuary.build", icon="OUTLINER_COLLECTION")
        if settings.fingerprint:
            layout.label(text=f"Fingerprint {settings.fingerprint}")
        box = layout.box()
        box.label(text="Export")
        box.prop(settings, "export_format")
        box.prop(settings, "export_path")
        box.operator("sanctuary.export", icon="EXPORT")
