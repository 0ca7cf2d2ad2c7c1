"""Private file storage: confidential uploads under PRIVATE_STORAGE_ROOT, outside MEDIA_ROOT, never served by the
web server directly. Paths stored in the database are relative to the root; every resolution checks that the
result stays inside it."""

import hashlib
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404

TMP_DIR = "tmp"


class TooLarge(Exception):
    """The stream went past the allowed size (the declared size may lie)."""


def root():
    return Path(settings.PRIVATE_STORAGE_ROOT).resolve()


def resolve(relative):
    """The absolute path of a stored relative path; refuses anything that would leave the root."""
    base = root()
    target = (base / relative).resolve()
    if base != target and base not in target.parents:
        raise SuspiciousFileOperation("path outside the private storage root")
    return target


def receive(chunks, *, max_bytes, head_bytes=16):
    """Stream chunks to a temporary file inside the root, hashing as we go.

    Returns (temporary absolute path, size, sha256 hex, first head_bytes bytes). Raises TooLarge (after removing
    the temporary file) once more than max_bytes arrive.
    """
    tmp_dir = root() / TMP_DIR
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with open(tmp, "xb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge
                if len(head) < head_bytes:
                    head += chunk[: head_bytes - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        discard(tmp)
        raise
    return tmp, size, digest.hexdigest(), head


def place(tmp, *, folder, ext):
    """Move a received temporary file to folder/<uuid4>.<ext>; returns the path relative to the root."""
    relative = f"{folder}/{uuid.uuid4()}.{ext}"
    target = resolve(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, target)  # same file system (both under the root): atomic
    return relative


@contextmanager
def placing(tmp):
    """For the block that stores a received temporary file and writes its row: yields put(folder=…, ext=…),
    which moves the file there (place) and answers the relative path. If the block raises (a refusal under the
    lock, a rollback), the temporary file and the placed file are both removed."""
    placed = []

    def put(*, folder, ext):
        placed.append(place(tmp, folder=folder, ext=ext))
        return placed[-1]

    try:
        yield put
    except BaseException:
        discard(tmp)
        for relative in placed:
            discard(resolve(relative))
        raise


def discard(path):
    """Remove a file if it exists (a refused or rolled-back upload)."""
    try:
        Path(path).unlink()
    except FileNotFoundError:
        pass


def open_private(relative):
    """A binary read handle on a stored file."""
    return open(resolve(relative), "rb")


def open_for_download(relative, after_open=None):
    """A binary read handle on a stored file, or Http404 when the file is missing (what a download answers).
    after_open (the audit of the download, say) runs once the file is open; if it raises, the handle is closed
    and the error goes on."""
    try:
        handle = open_private(relative)
    except FileNotFoundError:
        raise Http404 from None
    if after_open is not None:
        try:
            after_open()
        except BaseException:
            handle.close()
            raise
    return handle
