"""What a render leaves besides frames, made with Blender's own sequencer in a
throw-away scene: the MP4 (H.264) of the rendered frames and a contact sheet
with one labelled still per shot.

Both are written under a temporary name, checked and renamed (files.finish),
so a killed run or a full disk never leaves a broken film or sheet.
"""
from __future__ import annotations

from pathlib import Path

import bpy

from .. import files
from ..blender import compat

SHEET_COLUMNS = 4
SHEET_CELL = (400, 225)  # pixels per still
SHEET_LABEL = 30  # pixels of caption under each still
SHEET_MARGIN = 12


class _ScratchScene:
    """A sequencer-only scene that shows frames as they are (PNG) or as the film's
    view transform shows them (EXR holds scene-linear light)."""

    def __init__(self, source, name: str, size: tuple[int, int], linear: bool):
        self.scene = bpy.data.scenes.new(name)
        s = self.scene
        s.render.resolution_x, s.render.resolution_y = size
        s.render.resolution_percentage = 100
        s.render.use_sequencer = True
        s.render.use_compositing = False
        s.render.fps, s.render.fps_base = source.render.fps, source.render.fps_base
        if linear:
            for attr in ("view_transform", "look", "exposure", "gamma"):
                setattr(s.view_settings, attr, getattr(source.view_settings, attr))
        else:
            s.view_settings.view_transform = "Standard"
            s.view_settings.look = "None"
        self.strips = compat.sequencer_strips(s)

    def render(self, **kwargs) -> None:
        # The sequencer follows the context scene's frame: rendered from another
        # scene's context (one already moved to frame 50), the strips showed nothing.
        with bpy.context.temp_override(scene=self.scene):
            bpy.ops.render.render(scene=self.scene.name, **kwargs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        bpy.data.scenes.remove(self.scene)


def _render(scratch, part: Path, out: Path, **kwargs) -> None:
    try:
        scratch.render(**kwargs)
    except RuntimeError as e:  # Blender could not write it: finish says why
        files.finish(part, out, detail=str(e))


def encode_mp4(source, frames: list[Path], out: Path, size: tuple[int, int], audio: Path | None = None,
               on_frame=None) -> Path:
    """Frames (in order, one folder) to an H.264 MP4 at the film's frame rate; a WAV, if given,
    as a sound strip under them, muxed in as 48 kHz stereo AAC (where this Blender has audio).
    on_frame(done, total) is called as each frame goes into the film."""
    linear = frames[0].suffix == ".exr"
    part = files.part_path(out)
    with _ScratchScene(source, "sanctuary_encode", size, linear) as scratch:
        s = scratch.scene
        strip = scratch.strips.new_image(name="frames", filepath=str(frames[0]), channel=1, frame_start=1)
        for f in frames[1:]:
            strip.elements.append(f.name)
        muxed = audio is not None and compat.has_audio()
        if muxed:
            scratch.strips.new_sound(name="soundtrack", filepath=str(audio), channel=2, frame_start=1)
        s.frame_start, s.frame_end = 1, len(frames)
        compat.set_video_output(s)
        if muxed:
            s.render.ffmpeg.audio_channels = "STEREO"
            s.render.ffmpeg.audio_mixrate = 48000
            s.render.ffmpeg.audio_bitrate = 192
        else:
            s.render.ffmpeg.audio_codec = "NONE"  # no silent track pretending to be a soundtrack
        s.render.ffmpeg.constant_rate_factor = "HIGH"
        s.render.ffmpeg.gopsize = max(1, s.render.fps // 2)
        s.render.use_file_extension = False
        s.render.filepath = str(part)

        def written(scene, *_):
            if on_frame is not None and scene == s:
                on_frame(scene.frame_current - s.frame_start + 1, len(frames))

        bpy.app.handlers.render_write.append(written)
        try:
            _render(scratch, part, out, animation=True)
        finally:
            bpy.app.handlers.render_write.remove(written)
    return files.finish(part, out)


def contact_sheet(source, stills: list[tuple[str, Path]], out: Path, still_size: tuple[int, int]) -> Path:
    """One labelled still per shot in a grid, as a PNG."""
    cols = min(SHEET_COLUMNS, len(stills))
    rows = -(-len(stills) // cols)
    cw, ch = SHEET_CELL
    w = cols * cw + (cols + 1) * SHEET_MARGIN
    h = rows * (ch + SHEET_LABEL) + (rows + 1) * SHEET_MARGIN
    linear = stills[0][1].suffix == ".exr"
    part = files.part_path(out)
    with _ScratchScene(source, "sanctuary_sheet", (w, h), linear) as scratch:
        s = scratch.scene
        s.frame_start = s.frame_end = s.frame_current = 1
        for i, (label, path) in enumerate(stills):
            row, col = divmod(i, cols)
            left = SHEET_MARGIN + col * (cw + SHEET_MARGIN)
            top = SHEET_MARGIN + row * (ch + SHEET_LABEL + SHEET_MARGIN)
            img = scratch.strips.new_image(name=f"still_{i}", filepath=str(path), channel=1 + i,
                                           frame_start=1, fit_method="ORIGINAL")
            # Shown at its own size, centred: scale it to its cell and move it there.
            img.transform.scale_x = img.transform.scale_y = cw / still_size[0]
            img.transform.offset_x = left + cw / 2 - w / 2
            img.transform.offset_y = h / 2 - (top + ch / 2)
            text = compat.new_text_strip(scratch.strips, f"label_{i}", 2 + len(stills) + i, 1)
            text.text = label
            text.font_size = 18
            text.color = (0.92, 0.90, 0.86, 1.0)
            text.location = ((left + cw / 2) / w, 1.0 - (top + ch + SHEET_LABEL * 0.75) / h)
        compat.set_image_output(s, "PNG")
        s.render.use_file_extension = False
        s.render.filepath = str(part)
        _render(scratch, part, out, write_still=True)
    return files.finish(part, out)
