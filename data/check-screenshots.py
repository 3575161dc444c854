#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every screenshot the metainfo names is stored in data/screenshots/ and is a PNG."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

metainfo, data_dir = sys.argv[1], Path(sys.argv[2])
images = [e.text.strip() for e in ET.parse(metainfo).getroot().iter('image')]
if not images:
    sys.exit('the metainfo names no screenshot')

missing = []
for url in images:
    name = url.rsplit('/data/screenshots/', 1)[-1]
    path = data_dir / 'screenshots' / name
    if not path.is_file() or path.read_bytes()[:8] != b'\x89PNG\r\n\x1a\n':
        missing.append(str(path))

if missing:
    sys.exit('screenshots missing or not PNG: ' + ', '.join(missing))
print(f'{len(images)} screenshots present')
