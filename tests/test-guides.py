#!/usr/bin/env python3
# test-guides.py BUILDDIR SRCDIR SANITIZE [GJS]: every program in the guides
# of docs/ runs as printed. TAP output.
#
# The program of each guide listed in PROGRAMS is extracted from the
# Markdown (its one ```python or ```js block; for C, the one ```c block with a
# main () that does not start with "/* the failure pattern */", the others
# being excerpts) and run the way the page says: C
# compiled with `pkg-config --cflags --libs resmgr-1` (or resmgr-gtk-1, run
# only when there is a display) against the build installed into a
# temporary DESTDIR (as tests/installed/run.sh does), Python with
# /usr/bin/python3, JavaScript with `gjs -m`, both with the build's typelibs
# and libraries. A page that shows the program's JSON output in a ```json
# block must print that JSON: the same members and values, except times
# (`started`, `*_us`) and memory addresses. The relative links of every page
# of docs/ must lead to a file.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

builddir, srcdir, sanitize = sys.argv[1], sys.argv[2], sys.argv[3]
gjs = sys.argv[4] if len(sys.argv) > 4 else ''
docs = os.path.join(srcdir, 'docs')

# page: (the language of its program, the pkg-config module it uses)
PROGRAMS = {
    'getting-started-c.md': ('c', 'resmgr-1'),
    'getting-started-python.md': ('python', None),
    'getting-started-javascript.md': ('js', None),
    'shutdown.md': ('c', 'resmgr-1'),
    'coming-from-exit-hooks.md': ('c', 'resmgr-gtk-1'),
}

n = 0
failed = 0


def result(ok, name, lines=(), skip=None):
    global n, failed
    n += 1
    if skip is not None:
        print(f'ok {n} - {name} # SKIP {skip}')
        return
    if not ok:
        failed += 1
    print(f'{"ok" if ok else "not ok"} {n} - {name}')
    if not ok:
        for line in lines:
            for part in str(line).splitlines()[:40]:
                print('  # ' + part)


def blocks(text, lang):
    return re.findall(r'^```' + lang + r'\n(.*?)^```$', text, re.M | re.S)


def normalise(value, key=''):
    """The report without what differs between runs."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()
                if k != 'started' and not k.endswith('_us')}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        return re.sub(r'0x[0-9a-f]+', '0x…', value)
    return value


def last_json(output):
    """The JSON object that starts on a line of its own (a GTK program's
    session may print other lines after it)."""
    start = 0 if output.startswith('{') else output.find('\n{') + 1
    return json.JSONDecoder().raw_decode(output[start:])[0]


tmp = tempfile.mkdtemp()
env = dict(os.environ)
pkg_config_path = None
if sanitize == 'none':
    dest = os.path.join(tmp, 'dest')
    subprocess.run(['meson', 'install', '-C', builddir, '--destdir', dest, '--no-rebuild', '--quiet'],
                   check=True, stdout=subprocess.DEVNULL)
    lib = next(os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f.startswith('libresmgr-1.so.'))
    pkg_config_path = os.path.join(tmp, 'pkgconfig')
    os.makedirs(pkg_config_path)
    # the installed .pc files with their prefix moved into the DESTDIR
    for d, _, fs in os.walk(dest):
        for pc in (f for f in fs if f in ('resmgr-1.pc', 'resmgr-gtk-1.pc')):
            with open(os.path.join(d, pc)) as f:
                text = f.read()
            with open(os.path.join(pkg_config_path, pc), 'w') as f:
                f.write(re.sub(r'^prefix=', 'prefix=' + dest, text, flags=re.M))
    # GTK_A11Y=none: no accessibility bus for the GTK program
    c_env = dict(env, PKG_CONFIG_PATH=pkg_config_path, LD_LIBRARY_PATH=os.path.dirname(lib),
                 GTK_A11Y='none')
has_display = bool(os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY'))
gi_env = dict(env, GI_TYPELIB_PATH=builddir, LD_LIBRARY_PATH=builddir)

for page, (lang, module) in PROGRAMS.items():
    with open(os.path.join(docs, page), encoding='utf-8') as f:
        text = f.read()
    code = blocks(text, lang)
    if lang == 'c':
        code = [c for c in code if re.search(r'^main \(', c, re.M)
                and not c.startswith('/* the failure pattern */')]
    result(len(code) == 1, f'{page}: one ```{lang} program', [f'found {len(code)}'])
    if len(code) != 1:
        continue
    name = f'{page}: its {lang} program runs'
    if lang == 'c':
        if pkg_config_path is None:
            result(True, name, skip=f'sanitizer build ({sanitize}): the program cannot load it')
            continue
        if not os.path.exists(os.path.join(pkg_config_path, module + '.pc')):
            result(True, name, skip=f'{module} is not built')
            continue
        src = os.path.join(tmp, page + '.c')
        exe = os.path.join(tmp, page + '.exe')
        with open(src, 'w') as f:
            f.write(code[0])
        flags = subprocess.run(['pkg-config', '--cflags', '--libs', module], env=c_env,
                               check=True, capture_output=True, text=True).stdout.split()
        cc = os.environ.get('CC', 'cc').split()
        r = subprocess.run(cc + ['-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror', '-o', exe, src] + flags,
                           capture_output=True, text=True)
        result(r.returncode == 0, f'{page}: its C program compiles with -Wall -Wextra -Werror', [r.stderr])
        if r.returncode != 0:
            continue
        if module == 'resmgr-gtk-1' and not has_display:
            result(True, name, skip='no display (scripts/run-tests.sh runs the tests on Xvfb)')
            continue
        cmd, run_env = [exe], c_env
    elif lang == 'python':
        if not os.path.exists('/usr/bin/python3') or not os.path.exists(os.path.join(builddir, 'Resmgr-1.0.typelib')):
            result(True, name, skip='no /usr/bin/python3 or no typelib')
            continue
        src = os.path.join(tmp, 'program.py')
        with open(src, 'w') as f:
            f.write(code[0])
        cmd, run_env = ['/usr/bin/python3', src], gi_env
    else:
        if not gjs or not os.path.exists(os.path.join(builddir, 'Resmgr-1.0.typelib')):
            result(True, name, skip='no gjs or no typelib')
            continue
        src = os.path.join(tmp, 'program.js')
        with open(src, 'w') as f:
            f.write(code[0])
        cmd, run_env = [gjs, '-m', src], gi_env
    try:
        r = subprocess.run(cmd, env=run_env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        result(False, name, ['did not finish in 60 s'])
        continue
    result(r.returncode == 0, name, [f'exit status {r.returncode}', r.stdout, r.stderr])
    shown = blocks(text, 'json')
    if shown and r.returncode == 0:
        try:
            printed = normalise(last_json(r.stdout))
            expected = normalise(json.loads(shown[0]))
        except ValueError as e:
            result(False, f'{page}: the JSON it prints is the JSON the page shows', [e, r.stdout])
            continue
        result(printed == expected, f'{page}: the JSON it prints is the JSON the page shows',
               ['printed: ' + json.dumps(printed, indent=1), 'shown: ' + json.dumps(expected, indent=1)])

# The links between the pages (and to the rest of the tree) lead somewhere;
# -Ddocumentation=true checks the same for the site, this needs no gi-docgen.
for page in sorted(f for f in os.listdir(docs) if f.endswith('.md')):
    with open(os.path.join(docs, page), encoding='utf-8') as f:
        text = re.sub(r'^```.*?^```$', '', f.read(), flags=re.M | re.S)
    broken = [t for t in re.findall(r'\]\(([^)\s]+)\)', text)
              if '://' not in t and not t.startswith('#')
              and not os.path.exists(os.path.join(docs, t.split('#')[0]))]
    result(not broken, f'{page}: its relative links lead to files', broken)

shutil.rmtree(tmp, ignore_errors=True)
print(f'1..{n}')
sys.exit(1 if failed else 0)
