"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Mapping


def read_bytes(path: Path) -> bytes:
    """A file's bytes; ``BwbenchError`` naming it when it cannot be read."""
    from .errors import BwbenchError

    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BwbenchError(f"cannot read: {exc.strerror}", str(path)) from None


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place.

    ``BwbenchError`` naming ``path`` (never the temporary) when the file system refuses.
    """
    write_all({Path(path): data})


def replace_dir(out: Path, files: Mapping[str, bytes], is_ours: Callable[[Path], bool]) -> None:
    """Write ``files`` into a fresh directory beside ``out``, then swap it in: a reader sees the old one or the new.

    ``out`` may be missing, empty, or an earlier output of the same command
    (``is_ours``); anything else is refused with ``BwbenchError`` before anything is written.
    """
    from .errors import BwbenchError

    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not is_ours(out))):
        raise BwbenchError("exists and is not what this command writes; choose another --out", str(out))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise BwbenchError(f"cannot write here: {exc.strerror}", str(out)) from None
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's directory is private; ours are not
        for rel, data in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old)
    except OSError as exc:
        raise BwbenchError(f"cannot write: {exc.strerror}", str(out)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_all(files: Mapping[Path, bytes | Callable[[BinaryIO], None]]) -> None:
    """Write several files so that either all of them are in place or none is (each to a temporary, then renamed).

    A file's content is bytes, or a function that writes it to an open file (for what is too large to hold).

    ``BwbenchError`` naming the first path that cannot be written; directories made for it are removed again.
    """
    from .errors import BwbenchError

    made: list[Path] = []
    temps: dict[Path, Path] = {}
    done = False
    try:
        for path, data in files.items():
            missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                made += reversed(missing)
                if path.is_dir():
                    raise IsADirectoryError(21, "Is a directory")
                tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
                temps[path] = tmp
                if callable(data):
                    with tmp.open("wb") as fh:
                        data(fh)
                else:
                    tmp.write_bytes(data)
            except OSError as exc:
                raise BwbenchError(f"cannot write: {exc.strerror}", str(path)) from None
        for path, tmp in temps.items():
            os.replace(tmp, path)
        done = True
    finally:
        if not done:
            for tmp in temps.values():
                tmp.unlink(missing_ok=True)
            for d in reversed(made):
                try:
                    d.rmdir()
                except OSError:
                    pass
