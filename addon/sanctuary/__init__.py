"""Sanctuary: a procedural dream scene for Blender (extension and Python package).

Only register()/unregister() live here; importing the package (e.g. from the
`sanctuary` command) does not touch Blender's UI.
"""
__version__ = "0.1.0"

_cli_handle = None


def register():
    global _cli_handle
    from . import ui
    from .blender import compat
    from .cli import blender_command

    ui.register()
    if compat.can_register_cli():
        import bpy

        # `blender --background --command sanctuary build ...` on render nodes.
        _cli_handle = bpy.utils.register_cli_command("sanctuary", blender_command)


def unregister():
    global _cli_handle
    from . import ui

    if _cli_handle is not None:
        import bpy

        bpy.utils.unregister_cli_command(_cli_handle)
        _cli_handle = None
    ui.unregister()
