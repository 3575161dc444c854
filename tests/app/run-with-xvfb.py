#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs a command on a private Xvfb display (and a private D-Bus session bus, when
dbus-run-session is installed), then stops the display. Exits with the command's status."""

import os
import shutil
import subprocess
import sys


def main():
    command = sys.argv[1:]
    xvfb = shutil.which('Xvfb')
    if xvfb is None:
        print('1..0 # SKIP Xvfb is not installed')
        return 77

    read_fd, write_fd = os.pipe()
    server = subprocess.Popen([xvfb, '-displayfd', str(write_fd), '-screen', '0', '1920x1080x24',
                               '-nolisten', 'tcp', '-noreset'],
                              pass_fds=[write_fd], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    os.close(write_fd)
    display = b''
    with os.fdopen(read_fd, 'rb') as pipe:
        while not display.endswith(b'\n'):
            chunk = pipe.read(1)
            if not chunk:
                break
            display += chunk
    if not display.strip():
        server.kill()
        server.wait()
        sys.exit('Xvfb did not start')

    env = dict(os.environ, DISPLAY=':' + display.decode().strip(), GDK_BACKEND='x11')
    env.pop('WAYLAND_DISPLAY', None)
    if shutil.which('dbus-run-session'):
        command = ['dbus-run-session', '--'] + command
    try:
        return subprocess.call(command, env=env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == '__main__':
    sys.exit(main())
