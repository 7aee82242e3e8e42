"""Settings saved with the .blend; each maps onto the preset (a panel change == a --set)."""
import bpy

from ..core import presets

_preset_items: list = []  # Blender needs the enum items kept alive between calls


def user_preset_dirs() -> tuple:
    """The extension's user folder for presets (only when running as an extension)."""
    try:
        return (bpy.utils.extension_path_user(__package__.rsplit(".", 1)[0], path="presets", create=True),)
    except (ValueError, AttributeError, TypeError):
        return ()


def preset_items(self, context):
    global _preset_items
    items = [(p.name, p.name.replace("_", " ").title(), p.description)
             for p in presets.list_presets(extra=user_preset_dirs())]
    _preset_items = items or [("default", "Default", "")]
    return _preset_items


class SanctuarySettings(bpy.types.PropertyGroup):
    preset: bpy.props.EnumProperty(name="Preset", description="Scene preset to build", items=preset_items)
    seed: bpy.props.IntProperty(name="Seed", description="One seed for the whole scene; same seed, same scene",
                                default=7, min=0)
    use_preset_seed: bpy.props.BoolProperty(name="Preset Seed", default=True,
                                            description="Use the seed stored in the preset")
    fingerprint: bpy.props.StringProperty(name="Fingerprint", description="Fingerprint of the last build")
    export_format: bpy.props.EnumProperty(name="Format", description="What to export the built scene as", items=[
        ("glb", "glTF Binary (.glb)", "One file: animation clip, cameras, lights, GPU-instanced leaves"),
        ("gltf", "glTF (.gltf + .bin)", "The same as .glb, as JSON and a binary"),
        ("usdc", "USD (.usdc)", "Time-sampled transforms, cameras and lights"),
        ("usda", "USD ASCII (.usda)", "The same as .usdc, as text"),
        ("abc", "Alembic (.abc)", "Transforms, cameras and the growing water as meshes"),
        ("fbx", "FBX (.fbx)", "Transforms baked every frame, cameras, lights"),
        ("blend", "Blender (.blend)", "Self-contained, set up for a farm at the preset's tier"),
    ], default="glb")
    export_path: bpy.props.StringProperty(name="File", description="Where to write the export",
                                          subtype="FILE_PATH", default="//sanctuary.glb")


