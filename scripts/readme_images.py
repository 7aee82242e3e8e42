#!/usr/bin/env python3
"""The README's pictures, rendered from the default preset: how each was made is this script.

    .venv/bin/python scripts/readme_images.py [--out docs/images] [--only stills,beats,heart,clearing,lookbook]
                                              [--samples 32] [--beats forest,...]

- forest_canopy.png / clearing_edge.png: frames 100 and 936 through the film's shots, 640x360, preview tier;
- beats.png: one still from the middle of each beat, the film's own shots, 4 x 2 at 320x180, preview tier;
- lookbook/NN_beat.png: the same stills at 960x540, proof samples (--samples, default 32);
- heart_warm.png / heart_frosted.png: the heart close up in the sanctuary and at the panic (a fixed camera);
- clearing.png: the pedestal in the clearing, the heart lit, in the response.

Prints each file with its render time. The frames come through jobs (build) and Blender's render.
"""
from __future__ import annotations

import argparse
import struct
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "addon"))

# A fixed camera for the stills that are not a shot of the film: (eye, target, lens mm).
HEART_CAM = ((0.2, -1.6, 1.85), (0.0, 0.0, 1.75), 50.0)
CLEARING_CAM = ((0.5, -4.5, 1.6), (0.0, 0.0, 1.2), 35.0)


def write_png(rgb: np.ndarray, path: Path) -> None:
    """An (H, W, 3) uint8 image as an 8-bit RGB PNG (zlib; no image library is a dependency)."""
    h, w = rgb.shape[:2]
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def render(scene, frame: int, tmp: Path) -> np.ndarray:
    """The frame as shown (view transform and compositor applied): (H, W, 3) uint8."""
    import bpy

    scene.frame_set(frame)
    bpy.ops.render.render(scene=scene.name)
    bpy.data.images["Render Result"].save_render(filepath=str(tmp), scene=scene)
    img = bpy.data.images.load(str(tmp))
    img.colorspace_settings.name = "Non-Color"  # the saved display values, unconverted
    w, h = img.size
    px = np.empty(w * h * 4, np.float32)
    img.pixels.foreach_get(px)
    bpy.data.images.remove(img)
    return np.round(px.reshape(h, w, 4)[::-1, :, :3] * 255).astype(np.uint8)


def grid(images: list[np.ndarray], cols: int) -> np.ndarray:
    h, w = images[0].shape[:2]
    rows = -(-len(images) // cols)
    out = np.zeros((rows * h, cols * w, 3), np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        out[r * h:(r + 1) * h, c * w:(c + 1) * w] = im
    return out


def fixed_camera(scene, eye, target, lens):
    """Look through a camera of our own: the shots' camera markers are set aside until restore()."""
    import bpy

    from sanctuary.core.story.shots import look_at

    data = bpy.data.cameras.new("readme_camera")
    data.lens = lens
    cam = bpy.data.objects.new("readme_camera", data)
    scene.collection.objects.link(cam)
    cam.location = eye
    cam.rotation_euler = look_at(np.array(eye), np.array(target))
    saved = [(m.frame, m.camera) for m in scene.timeline_markers if m.camera]
    for m in scene.timeline_markers:
        m.camera = None
    scene.camera = cam

    def restore():
        by_frame = {}
        for m in scene.timeline_markers:
            by_frame.setdefault(m.frame, []).append(m)
        for frame, camera in saved:
            by_frame[frame][0].camera = camera
        bpy.data.objects.remove(cam)

    return restore


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "images"))
    ap.add_argument("--only", default="stills,beats,heart,clearing,lookbook")
    ap.add_argument("--samples", type=int, default=32, help="the look book's samples per pixel")
    ap.add_argument("--beats", default=None, help="the look book's beats to render (default all), e.g. tending,panic")
    a = ap.parse_args()
    out, only = Path(a.out), set(a.only.split(","))

    import bpy

    from sanctuary import jobs
    from sanctuary.config import presets
    from sanctuary.core.story import timeline as tl
    from sanctuary.render.settings import apply_quality

    jobs.new_file()
    loaded = presets.load_scene("default")
    jobs.build(loaded)
    scene = bpy.context.scene
    timeline = loaded.data["timeline"]
    fps = timeline["fps"]
    beats = [(s.name, int(round(float(tl.frame_at((s.start + s.end) / 2, fps))))) for s in tl.beat_spans(timeline)]
    tmp = Path(bpy.app.tempdir or "/tmp") / "sanctuary_readme.png"

    def quality(res, samples=None):
        q = dict(presets.load_quality("preview").data)
        q["resolution"] = list(res)
        if samples:
            q["samples"] = samples
        apply_quality(scene, q)

    def still(name, frame):
        t0 = time.perf_counter()
        rgb = render(scene, frame, tmp)
        print(f"{name}: frame {frame}, {time.perf_counter() - t0:.1f} s", flush=True)
        return rgb

    if "stills" in only:
        quality((640, 360))
        write_png(still("forest_canopy.png", 100), out / "forest_canopy.png")
        write_png(still("clearing_edge.png", 936), out / "clearing_edge.png")
    if "beats" in only:
        quality((320, 180))
        write_png(grid([still(f"beats {b}", f) for b, f in beats], 4), out / "beats.png")
    if "lookbook" in only:
        quality((960, 540), a.samples)
        for i, (b, f) in enumerate(beats, 1):
            if a.beats is None or b in a.beats.split(","):
                write_png(still(f"look book {b}", f), out / "lookbook" / f"{i:02d}_{b}.png")
    for key, name, cam, beat in (("heart", "heart_warm.png", HEART_CAM, "sanctuary"),
                                 ("heart", "heart_frosted.png", HEART_CAM, "panic"),
                                 ("clearing", "clearing.png", CLEARING_CAM, "response")):
        if key in only:
            quality((640, 360))
            restore = fixed_camera(scene, *cam)
            write_png(still(name, dict(beats)[beat]), out / name)
            restore()


if __name__ == "__main__":
    main()
