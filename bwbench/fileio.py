"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Mapping, Union


def read_bytes(path: Path) -> bytes:
    """A file's bytes; ``BwbenchError`` naming it when it cannot be read."""
    from .errors import BwbenchError

    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BwbenchError(f"cannot read: {exc.strerror}", str(path)) from None


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place.

    As :func:`write_all`: a symlink is written through (its target replaced atomically), a device,
    FIFO or socket written directly. ``BwbenchError`` naming ``path`` (never the temporary) when the file system refuses.
    """
    write_all({Path(path): data})


def replace_dir(out: Path, files: Mapping[str, bytes], is_ours: Callable[[Path], bool]) -> None:
    """Write ``files`` into a fresh directory beside ``out``, then swap it in: a reader sees the old one or the new.

    ``out`` may be missing, empty, or an earlier output of the same command
    (``is_ours``); anything else is refused with ``BwbenchError`` before anything is written.
    If the swap fails after the old ``out`` was moved aside, it is moved back.
    """
    from .errors import BwbenchError

    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not is_ours(out))):
        raise BwbenchError("exists and is not what this command writes; choose another directory", str(out))
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
        try:
            os.replace(tmp, out)
        except OSError:
            if old is not None:
                os.replace(old, out)
            raise
        if old is not None:
            shutil.rmtree(old)
    except OSError as exc:
        raise BwbenchError(f"cannot write: {exc.strerror}", str(out)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


Content = Union[bytes, Callable[[BinaryIO], None]]


def _descriptor_alias(path: Path) -> bool:
    """Whether ``path`` is, or links through, a name for an open descriptor (``/proc/<pid>/fd/N``, ``/dev/fd/N``).

    The file behind such a name is open elsewhere (a shell's redirection): it is written in place, never replaced.
    """
    p = Path(os.path.abspath(path))
    for _ in range(40):
        p = Path(os.path.realpath(p.parent)) / p.name
        if p.parts[:2] == ("/", "proc"):
            return True
        if not p.is_symlink():
            return False
        p = p.parent / os.readlink(p)
    return False


def _write_to(path: Path, data: Content) -> None:
    with open(path, "wb") as fh:
        if callable(data):
            data(fh)
        else:
            fh.write(data)


class Staged:
    """Files written to temporaries beside their targets (see :func:`stage`), not yet in place.

    :meth:`commit` renames them into place (and writes the direct ones); :meth:`discard` removes them
    and the directories made for them. Each is done at most once.
    """

    def __init__(self) -> None:
        self.temps: dict[Path, tuple[Path, Path]] = {}  # name given -> (temporary, file it replaces)
        self.direct: dict[Path, Content] = {}  # name given -> content, for devices, FIFOs and sockets
        self.made: list[Path] = []

    def commit(self) -> None:
        from .errors import BwbenchError

        done = False
        try:
            for path, (tmp, target) in self.temps.items():
                try:
                    os.replace(tmp, target)
                except OSError as exc:
                    raise BwbenchError(f"cannot write: {exc.strerror}", str(path)) from None
            self.temps.clear()
            done = True
        finally:
            if not done:
                self.discard()
        for path, data in self.direct.items():
            try:
                _write_to(path, data)
            except OSError as exc:
                raise BwbenchError(f"cannot write: {exc.strerror}", str(path)) from None
        self.direct.clear()

    def discard(self) -> None:
        for tmp, _ in self.temps.values():
            tmp.unlink(missing_ok=True)
        self.temps.clear()
        self.direct.clear()
        for d in reversed(self.made):
            try:
                d.rmdir()
            except OSError:
                pass
        self.made.clear()


def _nearest_existing(path: Path) -> Path:
    return next(p for p in (path, *path.parents) if os.path.lexists(p))


def stage(files: Mapping[Path, Content]) -> Staged:
    """Write every file to a temporary beside it (made directories included); ``BwbenchError`` naming
    the first path that cannot be written, with nothing left behind.

    A symlink is written through: the temporary goes beside the file it points to, which it replaces.
    A name that exists and is not a regular file (a character device such as ``/dev/null``, a FIFO, a
    socket), or one reached through an open descriptor's name (``/dev/stdout``), cannot be replaced: it is
    written directly at :meth:`Staged.commit`, without a temporary, so no atomicity is possible for it.
    """
    from .errors import BwbenchError

    staged = Staged()
    ok = False
    try:
        for path, data in files.items():
            path = Path(path)
            try:
                if os.path.exists(path):
                    if path.is_dir():
                        raise IsADirectoryError(21, "Is a directory")
                    if not stat.S_ISREG(os.stat(path).st_mode) or _descriptor_alias(path):
                        staged.direct[path] = data
                        continue
                target = Path(os.path.realpath(path))  # a symlink's file, made if it dangles
                anchor = _nearest_existing(target.parent)
                if not anchor.is_dir():
                    raise NotADirectoryError(20, f"Not a directory ({anchor} is a file)")
                missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
                target.parent.mkdir(parents=True, exist_ok=True)
                staged.made += reversed(missing)
                tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
                staged.temps[path] = (tmp, target)
                _write_to(tmp, data)
            except OSError as exc:
                raise BwbenchError(f"cannot write: {exc.strerror}", str(path)) from None
        ok = True
        return staged
    finally:
        if not ok:
            staged.discard()


def write_all(files: Mapping[Path, Content]) -> None:
    """Write several files so that either all of them are in place or none is (each to a temporary, then renamed).

    A file's content is bytes, or a function that writes it to an open file (for what is too large to hold).
    Symlinks, devices, FIFOs and sockets are treated as :func:`stage` says (the latter written directly, last,
    and not atomically).

    ``BwbenchError`` naming the first path that cannot be written; directories made for it are removed again.
    """
    stage(files).commit()
