"""Writing files safely: the one atomic write the package uses."""

import os
import secrets
from pathlib import Path


def write_atomic(path, text, mode=0o644):
    """Write ``text`` (UTF-8, ``\\n`` line endings) to ``path`` through a new temp file in the same
    folder, then ``os.replace``: a reader sees the old file or the new one, never half of one, and an
    error leaves the old file as it was. The temp file is created with ``mode`` (e.g. 0o600 for a
    private file) and never follows a link."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
