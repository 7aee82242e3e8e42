"""Claims on shared work (a frame, the film): whole or absent, and a dead holder's is taken over."""
import os
import subprocess
import sys

from sanctuary import files


def test_a_claim_appears_whole_and_leaves_no_part(tmp_path):
    path = tmp_path / ".frame_00004.claim"
    with files.Claim(path) as claim:
        assert claim.acquire()
        assert path.read_text().split() == [files.HOST, str(os.getpid())]
        assert not files.Claim(path).acquire()  # held by a live process: left to it
        assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    assert not path.exists()


def test_an_empty_or_dead_claim_is_taken_over_at_once(tmp_path):
    """A writer killed while creating its claim must not keep the frame from ever being rendered."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for left in ("", f"{files.HOST} {dead.pid}\n", "garbled"):
        path = tmp_path / ".frame_00004.claim"
        path.write_text(left)
        claim = files.Claim(path)
        assert claim.acquire(), repr(left)
        assert path.read_text().split()[1] == str(os.getpid())
        claim.release()
        assert list(tmp_path.iterdir()) == []
