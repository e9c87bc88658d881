#!/usr/bin/env python3
# test-version-guards.py BUILDDIR CC...: compiles small files against the
# resmgr-1 headers of the build, as an application would (<resmgr.h>, the
# include directories and flags of resmgr-1.pc), with -Werror, and checks
# that the availability and deprecation guards of resmgr-version-macros.h
# warn exactly when they should. TAP output.
#
# Each RESMGR_DEPRECATED_IN_x_y[_FOR] and RESMGR_AVAILABLE_IN_x_y macro of the
# headers is exercised: new minor versions are covered when they are added.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import re
import subprocess
import sys
import tempfile

builddir = sys.argv[1]
cc = sys.argv[2:]
srcdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# resmgr-1.pc's -I: the build root (resmgr-enums.h), libresmgr/ (and its build
# directory: resmgr-version.h), coordinators/ and controllers/.
includes = [builddir, os.path.join(builddir, 'libresmgr')]
includes += [os.path.join(srcdir, d) for d in ('libresmgr', 'coordinators', 'controllers')]
glib = subprocess.run(['pkg-config', '--cflags', 'glib-2.0', 'gobject-2.0', 'gio-2.0'],
                      check=True, capture_output=True, text=True).stdout.split()

with open(os.path.join(srcdir, 'libresmgr', 'resmgr-version-macros.h')) as f:
    macros = f.read()
versions = sorted({(int(a), int(b)) for a, b in re.findall(r'#define RESMGR_VERSION_(\d+)_(\d+) ', macros)})

tmp = tempfile.mkdtemp()
n = 0
failed = 0


def compile_snippet(code, defines):
    path = os.path.join(tmp, 'snippet.c')
    with open(path, 'w') as f:
        f.write(code)
    cmd = cc + ['-fsyntax-only', '-Werror', '-Wdeprecated-declarations'] + \
        ['-D' + d for d in defines] + ['-I' + i for i in includes] + glib + [path]
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, LC_ALL='C'))
    return r.returncode, r.stderr


def check(name, code, defines, expect_ok, expect_in=()):
    global n, failed
    n += 1
    rc, err = compile_snippet(code, defines)
    problems = []
    if expect_ok and rc != 0:
        problems.append('expected a clean compile')
    if not expect_ok and rc == 0:
        problems.append('expected a diagnostic, the compile succeeded')
    for s in expect_in:
        if s not in err:
            problems.append(f'expected {s!r} in the diagnostics')
    if problems:
        failed += 1
        print(f'not ok {n} - {name}: ' + '; '.join(problems))
        print('  # defines: ' + ' '.join(defines))
        for line in err.splitlines()[:15]:
            print('  # ' + line)
    else:
        print(f'ok {n} - {name}')


def uses(decl_macro, symbol='old_api'):
    return f'''#include <resmgr.h>
{decl_macro} void {symbol} (void);
void call (void);
void call (void) {{ {symbol} (); }}
'''


def enc(v):
    return f'RESMGR_VERSION_{v[0]}_{v[1]}'


# The headers, the version functions and the defaults: clean with -Werror.
check('defaults: <resmgr.h> and the version API compile cleanly',
      '''#include <resmgr.h>
#if !RESMGR_CHECK_VERSION (RESMGR_MAJOR_VERSION, RESMGR_MINOR_VERSION, RESMGR_MICRO_VERSION)
# error "RESMGR_CHECK_VERSION"
#endif
const char *call (void);
const char *call (void) {
  return resmgr_get_major_version () + resmgr_get_minor_version () + resmgr_get_micro_version () > 0
         ? resmgr_check_version (RESMGR_MAJOR_VERSION, RESMGR_MINOR_VERSION, RESMGR_MICRO_VERSION) : NULL;
}
''', [], True)
for v in versions:
    check(f'MIN_REQUIRED = MAX_ALLOWED = {enc(v)}: <resmgr.h> compiles cleanly',
          uses('RESMGR_AVAILABLE_IN_ALL'), [f'RESMGR_VERSION_MIN_REQUIRED={enc(v)}',
                                            f'RESMGR_VERSION_MAX_ALLOWED={enc(v)}'], True)

for i, v in enumerate(versions):
    tag = f'{v[0]}_{v[1]}'
    # Deprecated in v: warned when the code requires v or later.
    check(f'RESMGR_DEPRECATED_IN_{tag} warns at MIN_REQUIRED={enc(v)}',
          uses(f'RESMGR_DEPRECATED_IN_{tag}'), [f'RESMGR_VERSION_MIN_REQUIRED={enc(v)}'],
          False, ["'old_api' is deprecated"])
    check(f'RESMGR_DEPRECATED_IN_{tag}_FOR names the replacement',
          uses(f'RESMGR_DEPRECATED_IN_{tag}_FOR(new_api)'), [], False,
          ["'old_api' is deprecated", 'Use \'new_api\' instead'])
    check(f'RESMGR_DISABLE_DEPRECATION_WARNINGS silences RESMGR_DEPRECATED_IN_{tag}',
          uses(f'RESMGR_DEPRECATED_IN_{tag}'), ['RESMGR_DISABLE_DEPRECATION_WARNINGS'], True)
    if i > 0:
        prev = versions[i - 1]
        check(f'RESMGR_DEPRECATED_IN_{tag} is silent at MIN_REQUIRED={enc(prev)}',
              uses(f'RESMGR_DEPRECATED_IN_{tag}'), [f'RESMGR_VERSION_MIN_REQUIRED={enc(prev)}'], True)
        # Added in v: warned when the code may use only API up to an older version.
        check(f'RESMGR_AVAILABLE_IN_{tag} warns at MAX_ALLOWED={enc(prev)}',
              uses(f'RESMGR_AVAILABLE_IN_{tag}', 'new_api'),
              [f'RESMGR_VERSION_MIN_REQUIRED={enc(prev)}', f'RESMGR_VERSION_MAX_ALLOWED={enc(prev)}'],
              False, ["'new_api' is deprecated", f'Not available before {v[0]}.{v[1]}'])
    check(f'RESMGR_AVAILABLE_IN_{tag} is silent at MAX_ALLOWED={enc(v)}',
          uses(f'RESMGR_AVAILABLE_IN_{tag}', 'new_api'), [f'RESMGR_VERSION_MAX_ALLOWED={enc(v)}'], True)

# The sanity checks of the header.
check('MIN_REQUIRED newer than the headers is an error',
      uses('RESMGR_AVAILABLE_IN_ALL'), ['RESMGR_VERSION_MIN_REQUIRED=(RESMGR_VERSION_CUR_STABLE+1)'],
      False, ['RESMGR_VERSION_MIN_REQUIRED must be <='])
check('an unknown version macro as MIN_REQUIRED reads as newer than the headers',
      uses('RESMGR_AVAILABLE_IN_ALL'), ['RESMGR_VERSION_MIN_REQUIRED=RESMGR_VERSION_99_0'],
      False, ['RESMGR_VERSION_MIN_REQUIRED must be <='])
check('an unknown version macro as MAX_ALLOWED reads as the headers\' version',
      uses(f'RESMGR_AVAILABLE_IN_{versions[-1][0]}_{versions[-1][1]}', 'new_api'),
      ['RESMGR_VERSION_MAX_ALLOWED=RESMGR_VERSION_99_0'], True)
check('MIN_REQUIRED older than the first version is an error',
      uses('RESMGR_AVAILABLE_IN_ALL'), ['RESMGR_VERSION_MIN_REQUIRED=(G_ENCODE_VERSION (0, 0) + 1)'],
      False, ['RESMGR_VERSION_MIN_REQUIRED must be >= RESMGR_VERSION_0_1'])
if len(versions) > 1:
    check('MAX_ALLOWED older than MIN_REQUIRED is an error',
          uses('RESMGR_AVAILABLE_IN_ALL'), [f'RESMGR_VERSION_MIN_REQUIRED={enc(versions[1])}',
                                            f'RESMGR_VERSION_MAX_ALLOWED={enc(versions[0])}'],
          False, ['RESMGR_VERSION_MAX_ALLOWED must be >='])
check('resmgr-version-macros.h alone refuses: the numbers come from resmgr-version.h',
      '#define RESMGR_INSIDE\n#include <resmgr-version-macros.h>\n', [], False,
      ['Include resmgr-version.h'])

print(f'1..{n}')
sys.exit(1 if failed else 0)
