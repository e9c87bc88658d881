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
# Every other fenced block of every page of docs/ is accounted for too; one
# that is not fails with its page and line:
# - a ```c, ```python or ```js excerpt must appear in a file a test builds
#   or runs (the page's program, examples/**, tests/**), the test naming
#   the file: lines compared without their indentation and repeated spaces,
#   blank lines ignored, a line that is only `…`, `...` or a `/* … */`
#   comment standing for any lines;
# - a C excerpt starting with "/* the failure pattern */" (code resmgr
#   replaces, in no program) must compile with -Wall -Werror against the
#   installed headers, after a prelude of PRELUDES declaring what it uses;
# - a ```sh block's commands must exist (on PATH, in the repository, or the
#   `-o` output of an earlier line);
# - a ```json block must parse, and validate against docs/report.schema.json
#   when it is a report (has "kind");
# - the blocks of COVERED are run by another test.
# Blocks without a language (printed output) are not code; any other
# language fails.
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

# (page, first line of the block): the test that runs it
COVERED = {
    ('reports.md', 'import json'): 'tests/test-report-schema.py',
}

# page: what its failure-pattern excerpts use without declaring it
PRELUDES = {
    'coming-from-exit-hooks.md': '''
#include <stdlib.h>
#include <unistd.h>
#include <epoxy/gl.h>
#include <gio/gio.h>
typedef struct Tracker Tracker;
extern Tracker *g_tracker, *g_fallback_tracker;
Tracker *fallback_tracker_new (void);
void fallback_tracker_add (Tracker *tracker, GLuint texture);
void tracker_add (Tracker *tracker, GLuint texture);
void tracker_register_component (Tracker *tracker, gpointer component, const char *name);
extern GApplication *app;
extern GThreadPool *pool;
extern GOutputStream *journal;
extern const char *lock_path;
extern char *cache;
typedef struct { guint timer; GThreadPool *pool; gpointer area; } GlTab;
gboolean tick (gpointer data);
void decode (gpointer data, gpointer user_data);
void create_textures (void);
void delete_everything (void);
''',
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

programs = {}  # page: its program, as run
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
    programs[page] = code[0]
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



def fenced(text):
    """(line, language, code) of each fenced block of a page."""
    found, lines, i = [], text.split('\n'), 0
    while i < len(lines):
        m = re.match(r'^(\s*)```(\S*)\s*$', lines[i])
        if m:
            end = lines.index(m.group(1) + '```', i + 1)
            found.append((i + 1, m.group(2), '\n'.join(l[len(m.group(1)):] for l in lines[i + 1:end])))
            i = end
        i += 1
    return found


ELISION = re.compile(r'^(…|\.\.\.|/\*.*(…|\.\.\.).*\*/)$')


def squeeze(code):
    """Its non-blank lines, without indentation and repeated spaces."""
    return [' '.join(line.split()) for line in code.split('\n') if line.strip()]


def contains(haystack, excerpt):
    """Whether the lines of excerpt appear in haystack in order, each run
    between elisions contiguous."""
    runs, run = [], []
    for line in squeeze(excerpt):
        if ELISION.match(line):
            runs.append(run)
            run = []
        else:
            run.append(line)
    runs.append(run)
    lines, at = squeeze(haystack), 0
    for run in (r for r in runs if r):
        starts = [j for j in range(at, len(lines) - len(run) + 1) if lines[j:j + len(run)] == run]
        if not starts:
            return False
        at = starts[0] + len(run)
    return True


# What a test builds or runs: (name, text)
corpus = []
for top in ('examples', 'tests'):
    for d, _, fs in sorted(os.walk(os.path.join(srcdir, top))):
        for f in sorted(fs):
            if f.endswith(('.c', '.h', '.py', '.js', '.sh')):
                with open(os.path.join(d, f), encoding='utf-8', errors='replace') as fh:
                    corpus.append((os.path.relpath(os.path.join(d, f), srcdir), fh.read()))

try:
    import jsonschema
    with open(os.path.join(docs, 'report.schema.json')) as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
except ImportError:
    validator = None

for page in sorted(f for f in os.listdir(docs) if f.endswith('.md')):
    with open(os.path.join(docs, page), encoding='utf-8') as f:
        text = f.read()
    for line, lang, code in fenced(text):
        where = f'{page}:{line}: ```{lang}'
        first = code.split('\n', 1)[0]
        if lang == '':
            continue  # printed output, not code
        if page in programs and code == programs[page].rstrip('\n'):
            continue  # run above
        if (page, first) in COVERED:
            path = COVERED[(page, first)]
            result(os.path.exists(os.path.join(srcdir, path)), f'{where} is run by {path}')
        elif lang == 'json':
            try:
                doc = json.loads(code)
            except ValueError as e:
                result(False, f'{where} is JSON', [e])
                continue
            if isinstance(doc, dict) and 'kind' in doc:
                if validator is None:
                    result(True, f'{where} is a valid report', skip='no python3-jsonschema')
                else:
                    errors = [f'{"/".join(map(str, e.path))}: {e.message}' for e in validator.iter_errors(doc)]
                    result(not errors, f'{where} is a valid report', errors)
            elif page not in programs:
                result(True, f'{where} is JSON')
        elif lang == 'sh':
            outputs, missing = set(), []
            for command in code.replace('\\\n', ' ').split('\n'):
                words = command.split()
                if not words:
                    continue
                outputs.update(words[i + 1] for i, w in enumerate(words[:-1]) if w == '-o')
                if not (shutil.which(words[0]) or words[0].removeprefix('./') in outputs
                        or os.path.exists(os.path.join(srcdir, words[0]))):
                    missing.append(words[0])
            result(not missing, f'{where}: its commands exist', [f'no command {m}' for m in missing])
        elif lang == 'c' and first == '/* the failure pattern */':
            name = f'{where} (a failure pattern) compiles with -Wall -Werror'
            if pkg_config_path is None or not os.path.exists(os.path.join(pkg_config_path, 'resmgr-gtk-1.pc')):
                result(True, name, skip='no installed resmgr-gtk-1 (sanitizer build or no GTK)')
                continue
            src = os.path.join(tmp, 'excerpt.c')
            with open(src, 'w') as f:
                f.write(PRELUDES.get(page, '') + f'#line {line + 1} "{page}"\n' + code + '\n')
            flags = subprocess.run(['pkg-config', '--cflags', 'resmgr-gtk-1'], env=c_env,
                                   check=True, capture_output=True, text=True).stdout.split()
            # an excerpt's static function is used by code it does not show
            r = subprocess.run(os.environ.get('CC', 'cc').split()
                               + ['-Wall', '-Werror', '-Wno-unused-function', '-c', '-o', os.devnull, src] + flags,
                               capture_output=True, text=True)
            result(r.returncode == 0, name, [r.stderr])
        elif lang in ('c', 'python', 'js'):
            haystacks = ([(f'the program of {page}', programs[page])] if page in programs else []) + corpus
            found = next((name for name, hay in haystacks if contains(hay, code)), None)
            result(found is not None, f'{where} excerpt is in {found or "no file a test builds or runs"}',
                   ['excerpt:', code])
        else:
            result(False, f'{where}: no test knows this language')

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
