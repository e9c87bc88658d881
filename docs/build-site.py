#!/usr/bin/env python3
# build-site.py: builds one gi-docgen site (called by docs/meson.build).
#
#   build-site.py --gi-docgen PROG --config TOML --gir GIR --include-path DIR
#                 --output DIR --site NAME --pages P1,P2 [--other-site NAME:P3,P4]
#                 [--images I1,I2] [--urlmap FILE] [--check]
#
# The guides in docs/ are Markdown that reads on its own (links between them
# name the .md files); gi-docgen renders each page to a .html page of the
# site. This copies the pages listed for the site into a content directory
# with the links rewritten: `(page.md#anchor)` becomes `(page.html#anchor)`
# when the page is in this site and `(../other/page.html#anchor)` when it is
# in the other site (they are installed side by side), and the page's first
# "# Heading" becomes its gi-docgen title. A relative link to a
# Markdown page that is in neither site is an error, as are gi-docgen's
# warnings (--fatal-warnings: a broken [class@…] link, …); with --check,
# `gi-docgen check` must also find every public symbol documented.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import os
import re
import shutil
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument('--gi-docgen', required=True)
ap.add_argument('--config', required=True)
ap.add_argument('--gir', required=True)
ap.add_argument('--include-path', action='append', default=[])
ap.add_argument('--output', required=True)
ap.add_argument('--site', required=True)
ap.add_argument('--srcdir', required=True)
ap.add_argument('--pages', default='')
ap.add_argument('--other-site', default='')
ap.add_argument('--images', default='')
ap.add_argument('--urlmap', default=None)
ap.add_argument('--check', action='store_true')
args = ap.parse_args()

pages = [p for p in args.pages.split(',') if p]
other_name, _, other = args.other_site.partition(':')
other_pages = [p for p in other.split(',') if p]
content = args.output + '.content'
shutil.rmtree(content, ignore_errors=True)
os.makedirs(content)

LINK = re.compile(r'\]\(([^)\s#]+\.md)(#[^)\s]*)?\)')
errors = []


def rewrite(page, text):
    def sub(m):
        target, anchor = m.group(1), m.group(2) or ''
        if '://' in target:
            return m.group(0)
        name = os.path.normpath(os.path.join(os.path.dirname(page), target))
        if name in pages:
            return f']({name[:-3]}.html{anchor})'
        if name in other_pages:
            return f'](../{other_name}/{name[:-3]}.html{anchor})'
        errors.append(f'{page}: the link to {target} names a page in neither site')
        return m.group(0)
    return LINK.sub(sub, text)


for page in pages:
    with open(os.path.join(args.srcdir, page), encoding='utf-8') as f:
        text = f.read()
    if not text.startswith('Title: '):
        # gi-docgen takes a page's title from a "Title:" header; the pages
        # start with a "# Heading" instead, which reads well on its own.
        heading = re.search(r'^# (.+)$', text, re.M)
        if heading is None:
            errors.append(f'{page}: no "# Heading" line to take the page title from')
        else:
            text = f'Title: {heading.group(1)}\n\n' + text
    with open(os.path.join(content, page), 'w', encoding='utf-8') as f:
        f.write(rewrite(page, text))
for image in [i for i in args.images.split(',') if i]:
    shutil.copy(os.path.join(args.srcdir, image), content)
if args.urlmap:
    shutil.copy(args.urlmap, content)
if errors:
    for e in errors:
        print(f'build-site: {e}', file=sys.stderr)
    sys.exit(1)

incs = [f'--add-include-path={i}' for i in args.include_path]
shutil.rmtree(args.output, ignore_errors=True)
r = subprocess.run([args.gi_docgen, 'generate', '--quiet', '--fatal-warnings', '--no-namespace-dir',
                    f'--config={args.config}', f'--content-dir={content}',
                    f'--output-dir={args.output}'] + incs + [args.gir])
if r.returncode != 0:
    print(f'build-site: gi-docgen generate failed for {args.site} (warnings are fatal)', file=sys.stderr)
    sys.exit(1)
if args.check:
    r = subprocess.run([args.gi_docgen, 'check', '--quiet', '--fatal-warnings',
                        f'--config={args.config}'] + incs + [args.gir])
    if r.returncode != 0:
        print(f'build-site: gi-docgen check found undocumented symbols in {args.site}', file=sys.stderr)
        sys.exit(1)
