// test-version.js: resmgr's runtime version from JavaScript (gjs):
// Resmgr.get_*_version (), Resmgr.check_version () and the MAJOR/MINOR/MICRO
// constants of the GIR agree with each other and with the project's version
// (ARGV[0]). TAP output.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Resmgr from 'gi://Resmgr?version=1.0';
import System from 'system';

const expected = ARGV[0];
let n = 0;
let failed = 0;

function ok(cond, name) {
    n++;
    if (cond) {
        print(`ok ${n} - ${name}`);
    } else {
        failed++;
        print(`not ok ${n} - ${name}`);
    }
}

const [major, minor, micro] = [Resmgr.get_major_version(), Resmgr.get_minor_version(), Resmgr.get_micro_version()];
ok(major === Resmgr.MAJOR_VERSION && minor === Resmgr.MINOR_VERSION && micro === Resmgr.MICRO_VERSION,
    `runtime ${major}.${minor}.${micro} is the GIR constants' version`);
if (expected !== undefined)
    ok(`${major}.${minor}.${micro}` === expected, `runtime ${major}.${minor}.${micro} is the project version ${expected}`);
ok(Resmgr.check_version(major, minor, micro) === null, 'check_version (own version) is null');
ok(Resmgr.check_version(major, 0, 0) === null, 'check_version (older minor) is null');
ok(Resmgr.check_version(major, minor + 1, 0) === 'resmgr version too old (minor mismatch)',
    'check_version (newer minor) says the library is too old');
ok(Resmgr.check_version(major + 1, 0, 0) === 'resmgr version too old (major mismatch)',
    'check_version (next major) says the library is too old');

print(`1..${n}`);
System.exit(failed ? 1 : 0);
