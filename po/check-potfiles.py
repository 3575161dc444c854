#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when a file with translatable strings is missing from po/POTFILES.in, or when
POTFILES.in names a file that does not exist."""

import re
import sys
from pathlib import Path

root = Path(sys.argv[1])
listed = set()
for line in (root / 'po' / 'POTFILES.in').read_text().splitlines():
    line = line.strip()
    if line and not line.startswith('#'):
        listed.add(line)

marker = re.compile(r'\b(?:N?_|C_|NC_|g_dngettext|ngettext)\s*\(|translatable="yes"')
needed = set()
for folder in ('src/app', 'data'):
    for path in sorted((root / folder).rglob('*')):
        if not path.is_file() or path.suffix not in ('.c', '.h', '.ui', '.in', '.xml'):
            continue
        rel = path.relative_to(root).as_posix()
        if rel.endswith('.gresource.xml'):
            continue
        text = path.read_text(errors='replace')
        # desktop, metainfo and schema files are translatable as a whole
        if rel.endswith(('.desktop.in', '.metainfo.xml.in', '.gschema.xml')) or marker.search(text):
            needed.add(rel)

missing = sorted(needed - listed)
gone = sorted(p for p in listed if not (root / p).is_file())
for p in missing:
    print(f'missing from po/POTFILES.in: {p}')
for p in gone:
    print(f'listed in po/POTFILES.in but not found: {p}')
if missing or gone:
    sys.exit(1)
print(f'{len(listed)} files listed, none missing')
