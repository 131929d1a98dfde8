"""The files under a directory, found as the walk goes rather than listed first.

A directory of a million files would otherwise be held as a million paths before the
first is read. The order is that of sorting every path (component by component: each
directory's entries by name, a subdirectory's files where its name falls), with only
one directory's listing held at a time. Hidden files are skipped; symbolic links to
directories are not followed, so a link loop cannot make the walk endless.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def walk_files(root: Path) -> Iterator[Path]:
    """Regular files (or links to them) under ``root``, recursively, in sorted order."""
    try:
        with os.scandir(root) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return  # unreadable: nothing to ingest there, as a glob would find nothing
    for entry in entries:
        path = root / entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from walk_files(path)
        elif not entry.name.startswith(".") and entry.is_file():
            yield path
