"""Writers go through symlinks and into devices and FIFOs, never replacing them; errors say what is wrong."""

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from bwbench import fileio
from bwbench.errors import BwbenchError

from .conftest import DATA, run_cli


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    target = tmp_path / "real" / "report.txt"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    fileio.atomic_write(link, b"new\n")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.txt"]  # no temporary left
    # A dangling link gets its file made.
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "made" / "later.txt")
    fileio.write_all({dangling: lambda fh: fh.write(b"streamed\n")})
    assert dangling.is_symlink() and (tmp_path / "made" / "later.txt").read_bytes() == b"streamed\n"


def test_a_fifo_is_written_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    try:
        fileio.write_all({fifo: b"through the pipe\n", tmp_path / "plain.txt": b"plain\n"})
    finally:
        # Unblock a reader still waiting for a writer, whatever happened. Never a blocking open: a reader alive
        # here may be just done with the pipe, and an open for writing would then wait forever for another.
        while reader.is_alive():
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # ENXIO: no reader has the pipe open (not yet, or no longer)
                pass
            reader.join(0.05)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and (tmp_path / "plain.txt").read_bytes() == b"plain\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "plain.txt"]


def test_dev_null_stays_a_device():
    fileio.atomic_write(Path("/dev/null"), b"discarded\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not list(Path("/dev").glob(".null.tmp-*"))


def test_score_report_to_dev_stdout_prints_it(tmp_path):
    first = json.loads((DATA / "paper" / "test.jsonl").read_text().splitlines()[0])
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({**first, "completion": "I cannot solve this."}) + "\n")
    r = run_cli("score", preds, "--report", "/dev/stdout")
    assert r.returncode == 0, r.stderr
    assert first["id"] in r.stdout  # the report's failure, on stdout
    assert Path("/dev/stdout").is_symlink()  # not replaced by a regular file


def test_a_parent_that_is_a_file_is_named_as_such(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x\n")
    with pytest.raises(BwbenchError) as exc:
        fileio.atomic_write(afile / "sub" / "x.md", b"y\n")
    assert exc.value.where == str(afile / "sub" / "x.md")
    assert "Not a directory" in exc.value.message and str(afile) in exc.value.message
    assert "File exists" not in exc.value.message
    assert afile.read_text() == "x\n" and sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_failed_swap_puts_the_old_directory_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old\n")
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append((Path(src), Path(dst)))
        if len(calls) == 2:  # the OS refusing the swap itself, after the old directory was moved aside
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(fileio.os, "replace", replace)
    with pytest.raises(BwbenchError) as exc:
        fileio.replace_dir(out, {"a.txt": b"new\n"}, is_ours=lambda d: True)
    assert exc.value.where == str(out) and "No space left" in exc.value.message
    assert calls[1][1] == out
    assert (out / "a.txt").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
