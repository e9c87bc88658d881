#!/usr/bin/python3
# gi-call-table.py: which public methods a binding test calls, per class.
#
#   RESMGR_PY_CALLS=calls.json <run tests/test-python.py>
#   scripts/gi-call-table.py _build/Resmgr-1.0.gir _build/ResmgrGtk-1.0.gir \
#       --calls calls.json --test tests/test-python.py > table.md
#
# Reads the GIRs for every class, interface and record with its methods,
# constructors, functions and virtual methods, and marks each: called from
# the test (the list test-python.py records), overridden by the test (a
# do_<vfunc> in the test file), memory management the binding does itself
# (ref/unref/copy/free), not introspectable (C only), or not called.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import json
import re
import xml.etree.ElementTree as ET

CORE = "{http://www.gtk.org/introspection/core/1.0}"
GLIB = "{http://www.gtk.org/introspection/glib/1.0}"
MEMORY = {"ref", "unref", "copy", "free"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("girs", nargs="+")
    parser.add_argument("--calls", required=True, help="JSON list written by the test")
    parser.add_argument("--test", required=True, help="the test file, for do_<vfunc> overrides")
    parser.add_argument("--language", default="Python")
    args = parser.parse_args()

    called = set(json.load(open(args.calls)))
    test_text = open(args.test).read()
    overridden = set(re.findall(r"def do_(\w+)\s*\(", test_text))

    totals = {"called": 0, "not called": 0}
    print("| class | method | %s |" % args.language)
    print("|---|---|---|")
    for gir in args.girs:
        ns = ET.parse(gir).getroot().find(CORE + "namespace")
        namespace = ns.get("name")
        functions = []
        for el in ns:
            tag = el.tag[len(CORE):]
            if tag == "function":
                functions.append(el)
            if tag not in ("class", "interface", "record") or el.get(GLIB + "is-gtype-struct-for"):
                continue
            cls = "%s.%s" % (namespace, el.get("name"))
            rows = []
            for m in el:
                mtag = m.tag[len(CORE):]
                if mtag not in ("method", "constructor", "function", "virtual-method"):
                    continue
                name = m.get("name")
                if mtag == "virtual-method":
                    if m.get("introspectable") == "0":
                        state = "not introspectable (C only)"
                    elif name in overridden:
                        state = "overridden (do_%s)" % name
                    else:
                        state = "not overridden"
                    rows.append(("vfunc " + name, state))
                    continue
                if m.get("introspectable") == "0":
                    state = "not introspectable (C only; see its doc)"
                elif "%s.%s" % (cls, name) in called:
                    state = "called"
                elif name in MEMORY:
                    state = "n/a (the binding manages memory)"
                else:
                    state = "not called"
                rows.append((name, state))
            for name, state in rows:
                if state in totals:
                    totals[state] += 1
                print("| %s | %s | %s |" % (cls, name, state))
        for f in functions:
            name = f.get("name")
            if f.get("introspectable") == "0":
                state = "not introspectable (C only; see its doc)"
            elif "%s.%s" % (namespace, name) in called:
                state = "called"
            else:
                state = "not called"
            if state in totals:
                totals[state] += 1
            print("| %s (functions) | %s | %s |" % (namespace, name, state))
    print()
    print("%d methods and functions called, %d not called." % (totals["called"], totals["not called"]))


if __name__ == "__main__":
    main()
