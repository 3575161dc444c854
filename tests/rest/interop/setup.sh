#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the OpenTok Node server SDK, at the version pinned in package-lock.json, for the
# REST interoperability test (tests/rest/interop/interop.test.js). Needs node and npm.
set -eu
cd "$(dirname "$0")"
exec npm ci --no-audit --no-fund
