"""The "Sanctuary" tab in the 3D viewport sidebar: scene, tending, shots, render, export.

Fields are drawn from the schema (the same keys as a preset), so the panel
shows every key a section has and nothing that does not exist.
"""
import bpy

from ..config import keys as config
from ..config.schema import Table, TableList
from . import operators as ops
from . import properties as props


class SanctuaryPanel:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Sanctuary"


class SubPanel(SanctuaryPanel):
    bl_parent_id = "SANCTUARY_PT_scene"

    @classmethod
    def poll(cls, context):
        return hasattr(context.scene, "sanctuary") and bool(context.scene.sanctuary.preset)


def draw_fields(layout, group, fields: dict, only=None) -> None:
    """One row per plain key of a section (lists and sub-tables have their own UI)."""
    col = layout.column(align=True)
    for key, spec in fields.items():
        if key == "inherits" or isinstance(spec, (Table, TableList)) or (only and key not in only):
            continue
        col.prop(group, key)


def draw_list(layout, context, owner, name: str, rows: int = 4) -> None:
    """A UIList with add (a copy of the active item), remove and move buttons."""
    row = layout.row()
    row.template_list("SANCTUARY_UL_items", name, owner, name, owner, f"{name}_index", rows=rows)
    col = row.column(align=True)
    for action, icon in (("ADD", "ADD"), ("REMOVE", "REMOVE"), ("UP", "TRIA_UP"), ("DOWN", "TRIA_DOWN")):
        op = col.operator("sanctuary.list_edit", icon=icon, text="")
        op.list, op.action = name, action


def active_item(owner, name: str):
    items, i = getattr(owner, name), getattr(owner, f"{name}_index")
    return items[i] if 0 <= i < len(items) else None


class SANCTUARY_UL_items(bpy.types.UIList):
    """Species, acts and shots: a one-line summary each; the fields of the active one are drawn below."""

    def draw_item(self, context, layout, data, item, icon, active_data, active_propname, index=0):
        if hasattr(item, "kind"):  # an act
            layout.label(text=f"{item.kind.replace('_', ' ')}", icon="ACTION")
            layout.label(text=f"{item.beat} +{item.start:g} s, {item.duration:g} s")
        elif hasattr(item, "move"):  # a shot
            layout.prop(item, "name", text="", emboss=False, icon="CAMERA_DATA")
            layout.label(text=item.move.replace("_", " "))
        else:
            layout.prop(item, "name", text="", emboss=False, icon="OUTLINER_OB_FORCE_FIELD")
            layout.prop(item, "weight", text="", emboss=False)


class SANCTUARY_PT_scene(SanctuaryPanel, bpy.types.Panel):
    bl_label = "Sanctuary"
    bl_idname = "SANCTUARY_PT_scene"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.sanctuary
        row = layout.row(align=True)
        row.menu("SANCTUARY_MT_presets", text=settings.preset or "Choose a Preset", icon="PRESET")
        row.operator("sanctuary.save_preset", text="", icon="ADD")
        row.operator("sanctuary.remove_preset", text="", icon="REMOVE")
        row = layout.row(align=True)
        row.prop(settings, "seed")
        row.operator("sanctuary.random_seed", text="", icon="FILE_REFRESH")
        built = ops.is_built(context)
        row = layout.row(align=True)
        row.scale_y = 1.4
        row.operator("sanctuary.build", text="Rebuild" if built else "Build", icon="OUTLINER_COLLECTION")
        row = layout.row(align=True)
        row.operator("sanctuary.copy_command", icon="COPYDOWN")
        if built and settings.fingerprint:
            layout.label(text=f"Fingerprint {settings.fingerprint}", icon="CHECKMARK")


class SANCTUARY_PT_forest(SubPanel, bpy.types.Panel):
    bl_label = "Forest"

    def draw(self, context):
        forest = context.scene.sanctuary.forest
        self.layout.use_property_split = True
        draw_fields(self.layout, forest, config.SCENE.fields["forest"].fields)
        self.layout.label(text="Species")
        draw_list(self.layout, context, forest, "species", rows=3)
        species = active_item(forest, "species")
        if species is not None:
            draw_fields(self.layout, species, config.SPECIES.fields)


class SectionsPanel(SubPanel):
    """Whole preset sections, one after another: (section, heading)."""

    sections: tuple = ()

    def draw(self, context):
        settings = context.scene.sanctuary
        self.layout.use_property_split = True
        for key, heading in self.sections:
            if heading:
                self.layout.label(text=heading)
            draw_fields(self.layout, getattr(settings, key), config.SCENE.fields[key].fields)


class SANCTUARY_PT_leaves(SectionsPanel, bpy.types.Panel):
    bl_label = "Mercury Leaves"
    bl_options = {"DEFAULT_CLOSED"}
    sections = (("leaves", ""),)


class SANCTUARY_PT_clearing(SectionsPanel, bpy.types.Panel):
    bl_label = "Clearing and Pedestal"
    sections = (("clearing", ""), ("pedestal", "Pedestal"))


class SANCTUARY_PT_heart(SectionsPanel, bpy.types.Panel):
    bl_label = "Heart and Frost"
    sections = (("heart", ""), ("frost", "Frost"))


class SANCTUARY_PT_sky(SectionsPanel, bpy.types.Panel):
    bl_label = "Sky and Ground"
    bl_options = {"DEFAULT_CLOSED"}
    sections = (("sky", ""), ("ground", "Ground"))


class SANCTUARY_PT_sound(SectionsPanel, bpy.types.Panel):
    bl_label = "Sound and Captions"
    bl_options = {"DEFAULT_CLOSED"}
    sections = (("sound", ""), ("captions", "Captions (film.srt)"))

    def draw(self, context):
        SectionsPanel.draw(self, context)  # (not super(): tests draw with a stand-in for self)
        self.layout.operator("sanctuary.preview_sound", icon="SPEAKER")


class SANCTUARY_PT_tending(SubPanel, bpy.types.Panel):
    bl_label = "Tending"

    def draw(self, context):
        layout = self.layout
        timeline = context.scene.sanctuary.timeline
        layout.use_property_split = True
        layout.prop(timeline, "fps")
        layout.label(text="Beats (seconds)")
        draw_fields(layout, timeline.beats, config.BEATS.fields)
        layout.label(text="Acts")
        draw_list(layout, context, timeline, "acts", rows=5)
        act = active_item(timeline, "acts")
        if act is not None:
            draw_fields(layout, act, props.item_fields("acts"),
                        only=("kind", *config.ACT.common, *config.ACT.kinds[act.kind]))
        row = layout.row()
        row.scale_y = 1.3
        row.operator("sanctuary.apply_timeline", icon="TIME")


class SANCTUARY_PT_shots(SubPanel, bpy.types.Panel):
    bl_label = "Shots"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.sanctuary
        layout.label(text="Select a shot to look through it", icon="INFO")
        draw_list(layout, context, settings, "shots", rows=5)
        shot = active_item(settings, "shots")
        if shot is not None:
            layout.use_property_split = True
            draw_fields(layout, shot, config.SHOT.fields)
            layout.operator("sanctuary.apply_timeline", icon="TIME")


class SANCTUARY_PT_render(SubPanel, bpy.types.Panel):
    bl_label = "Render"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.sanctuary
        row = layout.row(align=True)
        row.label(text="Quality")
        row.menu("SANCTUARY_MT_quality", text=settings.render.quality.title(), icon="RENDER_STILL")
        layout.prop(settings, "render_output")
        col = layout.column()
        col.use_property_split = True
        draw_fields(col, settings.render, config.SCENE.fields["render"].fields,
                    only=("look", "exposure", "vignette", "bloom", "trailer_frames"))
        col.prop(settings, "render_shot_only")
        job = ops.running_render()
        if job is None:
            row = layout.row(align=True)
            row.scale_y = 1.3
            row.operator("sanctuary.render", text="Render Stills", icon="RENDER_STILL").what = "STILLS"
            row.operator("sanctuary.render", text="Render Animation", icon="RENDER_ANIMATION").what = "ANIMATION"
            row.operator("sanctuary.write_farm_job", text="Write Farm Job", icon="NETWORK_DRIVE")
        else:
            row = layout.row(align=True)
            row.progress(factor=job.fraction, type="BAR", text=job.status().removeprefix("Sanctuary: "))
            row.operator("sanctuary.render_cancel", text="", icon="CANCEL")


class SANCTUARY_PT_export(SubPanel, bpy.types.Panel):
    bl_label = "Export"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        settings = context.scene.sanctuary
        self.layout.prop(settings, "export_format")
        self.layout.prop(settings, "export_profile")
        self.layout.prop(settings, "export_path")
        self.layout.operator("sanctuary.export", icon="EXPORT")


CLASSES = (SANCTUARY_UL_items, SANCTUARY_PT_scene, SANCTUARY_PT_forest, SANCTUARY_PT_leaves, SANCTUARY_PT_clearing,
           SANCTUARY_PT_heart, SANCTUARY_PT_sky, SANCTUARY_PT_sound, SANCTUARY_PT_tending, SANCTUARY_PT_shots,
           SANCTUARY_PT_render, SANCTUARY_PT_export)
