#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A translation is valid (msgfmt --check) and complete: nothing untranslated or fuzzy."""

import subprocess
import sys

msgfmt, po = sys.argv[1], sys.argv[2]
result = subprocess.run([msgfmt, '--check', '--statistics', '-o', '/dev/null', po],
                        capture_output=True, text=True)
report = (result.stdout + result.stderr).strip()
print(report)
if result.returncode != 0 or 'untranslated' in report or 'fuzzy' in report:
    sys.exit(f'{po} is not complete or not valid')
