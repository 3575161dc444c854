#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Launches the built `confab --demo` on the display run-with-xvfb.py gives it, waits for its
two windows, takes a screenshot of the screen with ImageMagick's `import`, and checks it is
not blank: more than a few distinct colours."""

import os
import shutil
import subprocess
import sys
import time

binary, output = sys.argv[1], sys.argv[2]
for tool in ('import', 'identify', 'xwininfo'):
    if shutil.which(tool) is None:
        print(f'1..0 # SKIP {tool} is not installed')
        sys.exit(77)

print('1..1')
app = subprocess.Popen([binary, '--demo'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
try:
    # Wait until two mapped windows of the app are on screen (a hang guard, not a timing test).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        tree = subprocess.run(['xwininfo', '-root', '-tree'], capture_output=True,
                              text=True).stdout
        windows = [line for line in tree.splitlines()
                   if '"Confab"' in line and '1x1+' not in line]
        if len(windows) >= 2:
            break
        if app.poll() is not None:
            break
        time.sleep(0.2)
    time.sleep(2)   # let both windows join and draw
    alive = app.poll() is None
    subprocess.run(['import', '-window', 'root', output], check=True)
    colours = int(subprocess.run(['identify', '-format', '%k', output], capture_output=True,
                                 text=True, check=True).stdout.strip())
finally:
    if app.poll() is None:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
    log = app.communicate()[0].decode(errors='replace')

if log.strip():
    print('# ' + log.strip().replace('\n', '\n# '))
print(f'# {len(windows)} windows, {colours} distinct colours in {output}')
if alive and len(windows) >= 2 and colours > 16:
    print('ok 1 confab --demo draws two windows')
    sys.exit(0)
print('not ok 1 confab --demo draws two windows')
sys.exit(1)
