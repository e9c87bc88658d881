#!/usr/bin/python3
# test-version.py: resmgr's runtime version from Python (python3-gi):
# Resmgr.get_*_version (), Resmgr.check_version () and the MAJOR/MINOR/MICRO
# constants of the GIR agree with each other and with the project's version.
# TAP output.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

import gi
gi.require_version('Resmgr', '1.0')
from gi.repository import Resmgr  # noqa: E402

expected = sys.argv[1] if len(sys.argv) > 1 else None
n = 0
failed = 0


def ok(cond, name):
    global n, failed
    n += 1
    if cond:
        print(f'ok {n} - {name}')
    else:
        failed += 1
        print(f'not ok {n} - {name}')


major, minor, micro = Resmgr.get_major_version(), Resmgr.get_minor_version(), Resmgr.get_micro_version()
ok((major, minor, micro) == (Resmgr.MAJOR_VERSION, Resmgr.MINOR_VERSION, Resmgr.MICRO_VERSION),
   f'runtime {major}.{minor}.{micro} is the GIR constants\' version')
if expected is not None:
    ok(f'{major}.{minor}.{micro}' == expected, f'runtime {major}.{minor}.{micro} is the project version {expected}')
ok(Resmgr.check_version(major, minor, micro) is None, 'check_version (own version) is None')
ok(Resmgr.check_version(major, 0, 0) is None, 'check_version (older minor) is None')
ok(Resmgr.check_version(major, minor + 1, 0) == 'resmgr version too old (minor mismatch)',
   'check_version (newer minor) says the library is too old')
ok(Resmgr.check_version(major + 1, 0, 0) == 'resmgr version too old (major mismatch)',
   'check_version (next major) says the library is too old')

print(f'1..{n}')
sys.exit(1 if failed else 0)
