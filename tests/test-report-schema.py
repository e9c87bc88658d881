#!/usr/bin/python3
# test-report-schema.py SCHEMA: the JSON documents resmgr writes, validated
# against docs/report.schema.json (JSON Schema 2020-12), TAP output.
#
# Real documents, made through GObject-Introspection as an application
# makes them: cleanup reports (a component's cleanup with a failing
# cleanup, a lost resource and one left behind; a shutdown with a stuck
# owner and an overrunning cleanup, and its late report), monitor reports
# (samples, leak alerts, kept reports; after dispose), the report of a
# GtkApplication's ordered shutdown (an abandoned job; before and after it
# finished; the file it writes) and what `resmgr-demo --scenario smoke`
# prints. Each is validated; then every member the schema names must have
# appeared in at least one of them (a member named but never written fails
# here, one written but not named fails validation). Documents that must
# not validate (an unknown member, no version, another version) do not.
#
# The GTK parts need a display (scripts/run-tests.sh gives one) and the
# demo part RESMGR_DEMO; without them they are skipped, and so is the
# coverage of their kinds.
#
# Run with the system Python (/usr/bin/python3: python3-gi and
# python3-jsonschema), GI_TYPELIB_PATH and LD_LIBRARY_PATH at the build
# directory, as tests/test-python.py.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback

import gi

gi.require_version("GLib", "2.0")
gi.require_version("GObject", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Resmgr", "1.0")
from gi.repository import GLib, GObject, Gio, Resmgr  # noqa: E402

try:
    gi.require_version("ResmgrGtk", "1.0")
    gi.require_version("Gtk", "4.0")
    from gi.repository import ResmgrGtk  # noqa: E402
except (ValueError, ImportError):
    ResmgrGtk = None

try:
    import jsonschema  # noqa: E402
except ImportError:
    # Reported as skipped, not silently missing.
    print("1..0 # SKIP python3-jsonschema is not installed (scripts/ensure-deps.sh installs it)")
    sys.exit(0)

DEADLINE = 30  # seconds: a wait that takes this long is a failure, not a timing
KINDS = ["cleanup-report", "monitor-report", "application-shutdown"]

SCHEMA_PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "docs", "report.schema.json")
with open(SCHEMA_PATH) as f:
    SCHEMA = json.load(f)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Documents validated so far, by kind: (what, document).
VALIDATED = {kind: [] for kind in KINDS}


class Skip(Exception):
    pass


def validate(text, what):
    """Parses @text, validates it against the schema (the error names the
    member) and keeps it for the coverage check."""
    doc = json.loads(text)
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        raise AssertionError("%s does not validate:\n%s\n%s" % (
            what, "\n".join("  at /%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
                            for e in errors),
            json.dumps(doc, indent=1)))
    VALIDATED[doc["kind"]].append((what, doc))
    return doc


def iterate_until(predicate):
    context = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + DEADLINE * 1000000
    while not predicate():
        assert GLib.get_monotonic_time() < deadline, "gave up waiting"
        context.iteration(True)


def iterate_pending():
    context = GLib.MainContext.default()
    while context.iteration(False):
        pass


# Which members the schema names, and which the documents had {{{

def resolve(pointer):
    node = SCHEMA
    for part in pointer.lstrip("#/").split("/"):
        if part:
            node = node[part]
    return node


def schema_members(pointer, seen_refs=None):
    """The JSON pointers of every member named under @pointer
    (".../properties/NAME"), following $ref, not the `if` of a
    conditional."""
    seen_refs = set() if seen_refs is None else seen_refs
    members = set()

    def walk(node, at):
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, "%s/%d" % (at, i))
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key == "if":
                continue
            if key == "$ref" and value not in seen_refs:
                seen_refs.add(value)
                walk(resolve(value), value)
            elif key == "properties":
                for name, sub in value.items():
                    members.add("%s/properties/%s" % (at, name))
                    walk(sub, "%s/properties/%s" % (at, name))
            elif key != "$ref":
                walk(value, "%s/%s" % (at, key))

    walk(resolve(pointer), pointer)
    return members


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def may_be(node, value):
    """Whether @value could be an instance of the (validated) subschema
    @node, by type alone: enough to pick the branch of an anyOf."""
    if "$ref" in node:
        return may_be(resolve(node["$ref"]), value)
    types = node.get("type")
    if types is None:
        return True
    types = types if isinstance(types, list) else [types]
    return json_type(value) in types or (json_type(value) == "number" and "integer" in types)


def document_members(doc):
    """The JSON pointers (into the schema) of the members @doc has."""
    members = set()

    def walk(value, node, at):
        if "$ref" in node:
            walk(value, resolve(node["$ref"]), node["$ref"])
        for i, sub in enumerate(node.get("anyOf", [])):
            if may_be(sub, value):
                walk(value, sub, "%s/anyOf/%d" % (at, i))
        if isinstance(value, dict):
            for name, member in value.items():
                if name in node.get("properties", {}):
                    members.add("%s/properties/%s" % (at, name))
                    walk(member, node["properties"][name], "%s/properties/%s" % (at, name))
        elif isinstance(value, list) and "items" in node:
            for item in value:
                walk(item, node["items"], at + "/items")

    walk(doc, SCHEMA, "#")
    walk(doc, resolve("#/$defs/" + doc["kind"]), "#/$defs/" + doc["kind"])
    return members

# }}}
# Cleanup reports {{{


class Component(GObject.Object):
    pass


class Watched(GObject.Object):
    pass


class PyController(Resmgr.Controller):
    __gtype_name__ = "SchemaPyController"


class OwnerThread:
    """A thread owning a pushed main context where it registers a
    component; it iterates the context only if asked to."""

    def __init__(self, manager, comp_id, iterate):
        self.manager = manager
        self.comp_id = comp_id
        self.iterate = iterate
        self.ready = threading.Event()
        self.stop = threading.Event()
        # A daemon: a failed test must not keep the process alive.
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.comp = None

    def run(self):
        context = GLib.MainContext.new()
        context.push_thread_default()
        self.comp = Component()
        self.manager.register_component(self.comp, self.comp_id)
        self.ready.set()
        while not self.stop.is_set():
            if self.iterate:
                context.iteration(False)
            self.stop.wait(0.005)
        context.pop_thread_default()

    def start(self):
        self.thread.start()
        assert self.ready.wait(DEADLINE)

    def join(self):
        self.stop.set()
        self.thread.join()


def failing_component_cleanup(manager):
    """A component's cleanup: a named and an unnamed resource released, a
    cleanup raising a GLib.Error, a watched object disposed first (lost)
    and a cleanup that tracks itself again each time it runs (left over
    when the cleanup's rounds end, with no reason)."""
    comp = Component()
    manager.register_component(comp, "schema-component")
    manager.track_resource(comp, Resmgr.ResourceType.MEMORY, "buffer", 4096, Resmgr.PRIORITY_DEFAULT,
                           None, lambda r, *d: True)
    manager.track_resource(comp, Resmgr.ResourceType.CUSTOM, None, 0, Resmgr.PRIORITY_DEFAULT,
                           None, lambda r, *d: True)

    def bad(resource, *data):
        raise GLib.Error.new_literal(Resmgr.error_quark(), "the lock is stuck",
                                     Resmgr.Error.CLEANUP_FAILED)

    manager.track_resource(comp, Resmgr.ResourceType.FILE, "lock", 0, Resmgr.PRIORITY_DEFAULT, None, bad)

    def recreate(resource, *data):
        # A cleanup that recreates what it frees: the cleanup's rounds end
        # with one still tracked.
        manager.add_cleanup(comp, "recreated", Resmgr.PRIORITY_DEFAULT, recreate)
        return True

    manager.add_cleanup(comp, "recreated", Resmgr.PRIORITY_DEFAULT, recreate)
    watched = Watched()
    manager.track_object(comp, Resmgr.ResourceType.WIDGET, "disposed-first", 0,
                         Resmgr.PRIORITY_DEFAULT, watched, lambda r, *d: True)
    watched.run_dispose()

    report = manager.cleanup_component(comp)
    doc = validate(report.to_json(True), "a component's cleanup report")
    assert doc["scope"] == "schema-component" and doc["clean"] is False, doc
    assert doc["failures"][0]["name"] == "lock", doc["failures"]
    assert doc["failures"][0]["error_domain"] == "resmgr-error-quark", doc["failures"]
    assert doc["failures"][0]["message"] == "the lock is stuck", doc["failures"]
    assert doc["released"] >= 3 and doc["failed"] == 1, doc
    assert doc["lost"] == 1, doc
    assert [(l["name"], l["reason"]) for l in doc["leftovers"]] == [("recreated", None)], doc["leftovers"]
    assert validate(report.to_json(False), "the same, compact") == doc
    manager.release(doc["leftovers"][0]["id"])
    return comp


def test_cleanup_reports():
    """A component's cleanup with a failure, a lost resource and a
    leftover; a shutdown with a stuck owner (leftover with a reason) and an
    overrunning cleanup; its late report; a controller's cleanup. All
    validate."""
    manager = Resmgr.Manager.new()
    late = []
    manager.connect("cleanup-finished", lambda m, r: late.append(r) if r.get_scope().endswith(" (late)") else None)
    failing_component_cleanup(manager)

    controller = PyController(service=manager)
    controller.get_resources().track_resource(Resmgr.ResourceType.SOURCE, "idle", 0,
                                              Resmgr.PRIORITY_DEFAULT, None, lambda r, *d: True)
    validate(controller.cleanup().to_json(False), "a controller's cleanup report")

    stuck = OwnerThread(manager, "schema-stuck", iterate=False)
    slow_owner = OwnerThread(manager, "schema-slow", iterate=True)
    stuck.start()
    slow_owner.start()
    started, release = threading.Event(), threading.Event()

    def slow(resource, *data):
        started.set()
        release.wait(DEADLINE)
        return True

    manager.add_cleanup(stuck.comp, "never-run", Resmgr.PRIORITY_DEFAULT, lambda r, *d: True)
    manager.add_cleanup(slow_owner.comp, "slow", Resmgr.PRIORITY_DEFAULT, slow)
    report = manager.shutdown(300)
    release.set()
    doc = validate(report.to_json(True), "a shutdown report")
    assert started.is_set()
    assert doc["scope"] == "shutdown" and doc["timed_out"] is True, doc
    assert [o["name"] for o in doc["overruns"]] == ["slow"], doc["overruns"]
    leftovers = [l for l in doc["leftovers"] if l["component"] == "schema-stuck"]
    assert leftovers and isinstance(leftovers[0]["reason"], str), doc["leftovers"]

    slow_owner.join()
    iterate_until(lambda: late)
    doc = validate(late[0].to_json(False), "a late report")
    assert doc["scope"] == "shutdown (late)" and doc["released"] == 1, doc
    stuck.join()

# }}}
# Monitor reports {{{


def test_monitor_reports():
    """A monitor with samples, kept cleanup reports and leak alerts (an
    orphaned resource, a worker that outlived its owner's shutdown); the
    same after the monitor was disposed (no stats). Both validate."""
    manager = Resmgr.Manager.new()
    monitor = Resmgr.Monitor.new(manager)
    monitor.set_sampler(lambda *d: 64 << 20)
    monitor.set_interval(0)
    monitor.set_age_threshold(3600)

    failing_component_cleanup(manager)
    # Two owners that never iterate: the shutdown cannot clean their
    # resources.
    orphaning = OwnerThread(manager, "schema-orphaning", iterate=False)
    stuck = OwnerThread(manager, "schema-stuck-worker", iterate=False)
    orphaning.start()
    stuck.start()
    manager.track_resource(orphaning.comp, Resmgr.ResourceType.FILE, "orphan", 100, Resmgr.PRIORITY_DEFAULT,
                           None, lambda r, *d: True)
    manager.track_resource(stuck.comp, Resmgr.ResourceType.WORKER, None, 0, Resmgr.PRIORITY_DEFAULT,
                           None, lambda r, *d: True)
    iterate_pending()
    monitor.sample_now()
    monitor.sample_now()

    # A shutdown that could not clean a worker, and a service that forgets
    # a component owning resources (what the monitor guards against).
    assert manager.shutdown(100).get_timed_out()
    manager.notify_component_removed("schema-orphaning")
    iterate_pending()
    leaks = monitor.check_leaks()
    assert len(leaks) >= 2, leaks
    monitor.sample_now()

    doc = validate(monitor.report_to_json(True), "a monitor report")
    assert len(doc["memory"]["samples"]) == 3 and doc["memory"]["rss"] == 64 << 20, doc["memory"]
    assert doc["stats"] is not None and doc["stats"]["total_failed"] >= 1, doc["stats"]
    kinds = sorted(l["kind"] for l in doc["leaks"])
    assert "orphaned" in kinds and "worker-outlived-owner" in kinds, doc["leaks"]
    assert {c["state"] for c in doc["components"]} >= {"cleaned", "removed"}, doc["components"]
    scopes = [r["report"]["scope"] for r in doc["reports"]]
    assert "schema-component" in scopes and "shutdown" in scopes, scopes
    validate(monitor.report_to_json(False), "the same, compact")

    monitor.run_dispose()
    doc = validate(monitor.report_to_json(False), "a disposed monitor's report")
    assert doc["stats"] is None, doc
    stuck.join()
    orphaning.join()

# }}}
# Application shutdown {{{


def gtk_with_display():
    if ResmgrGtk is None:
        raise Skip("ResmgrGtk-1.0 is not built")
    from gi.repository import Gdk, Gtk  # noqa: E402
    # PyGObject's Gtk.init_check () may say yes with no display at all.
    if not Gtk.init_check() or Gdk.Display.get_default() is None:
        raise Skip("no display")
    return Gtk


class PyJobsController(Resmgr.Controller):
    __gtype_name__ = "SchemaPyJobsController"


def test_application_shutdown():
    """A GtkApplication with the ordered shutdown: a window whose label is
    bound to a controller with a job that does not stop in time. Its
    document before the shutdown, the file it writes, the one of
    ::shutdown-finished and the one after the application went all
    validate (skipped without a display)."""
    Gtk = gtk_with_display()
    manager = Resmgr.Manager.new()
    path = os.path.join(os.environ.get("G_TEST_BUILDDIR", GLib.get_tmp_dir()),
                        "test-report-schema-shutdown-%d.json" % os.getpid())
    app = Gtk.Application(application_id="org.resmgr.SchemaTest",
                          flags=Gio.ApplicationFlags.NON_UNIQUE)
    shutdown = ResmgrGtk.application_attach(app, manager)
    shutdown.set_phase_timeout(ResmgrGtk.ShutdownPhase.WORKERS, 200)
    shutdown.set_report_path(path)
    doc = validate(shutdown.to_json(False), "a shutdown not started")
    assert doc["report"] is None and doc["phases"] == [] and doc["clean"] is False, doc

    started, release = threading.Event(), threading.Event()
    finished = []

    def stubborn(worker, cancellable):
        started.set()
        release.wait(DEADLINE)
        return None

    def activate(application):
        window = Gtk.ApplicationWindow(application=application)
        label = Gtk.Label()
        window.set_child(label)
        controller = PyJobsController(service=manager)
        ResmgrGtk.controller_bind_widget(controller, label)
        controller.get_resources().track_resource(Resmgr.ResourceType.MEMORY, "pixels", 1024,
                                                  Resmgr.PRIORITY_DEFAULT, None, lambda r, *d: True)
        controller.get_worker_coordinator().run_job_async("stubborn", stubborn, None, None)
        window.present()
        GLib.idle_add(start_when_the_job_runs)

    def start_when_the_job_runs():
        if not started.is_set():
            return GLib.SOURCE_CONTINUE
        shutdown.start()
        return GLib.SOURCE_REMOVE

    shutdown.connect("shutdown-finished", lambda s, r: finished.append(s.to_json(True)))
    app.connect("activate", activate)
    try:
        assert app.run([]) == 0
    finally:
        release.set()

    assert len(finished) == 1, finished
    doc = validate(finished[0], "the shutdown's document at ::shutdown-finished")
    assert doc["application"] == "org.resmgr.SchemaTest", doc
    assert [p["name"] for p in doc["phases"]] == ["workers", "sources", "gl", "windows", "rest", "verify"], \
        doc["phases"]
    assert doc["phases"][0]["deadline_ms"] == 200, doc["phases"]
    assert len(doc["abandoned"]) == 1 and doc["abandoned"][0].endswith(": stubborn"), doc["abandoned"]
    assert doc["report"]["scope"] == "shutdown" and doc["report"]["failures"], doc["report"]
    with open(path) as f:
        assert validate(f.read(), "the shutdown's report file") == doc
    os.unlink(path)

    del app
    gc.collect()
    iterate_pending()
    doc = validate(shutdown.to_json(False), "the shutdown's document after its application went")
    assert doc["application"] is None, doc

# }}}
# The demo {{{


def test_demo_scenario():
    """What `resmgr-demo --scenario smoke` prints on standard output (the
    application shutdown's document) validates (skipped without a display
    or RESMGR_DEMO)."""
    demo = os.environ.get("RESMGR_DEMO")
    if not demo:
        raise Skip("RESMGR_DEMO is not set")
    gtk_with_display()
    run = subprocess.run([demo, "--scenario", "smoke"], stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=240)
    for line in run.stderr.splitlines():
        print("# " + line)
    assert run.returncode == 0, "resmgr-demo exited with %d" % run.returncode
    doc = validate(run.stdout, "resmgr-demo's output")
    assert doc["kind"] == "application-shutdown" and doc["clean"] is True, doc

# }}}
# The schema itself {{{


def test_schema_is_valid():
    """docs/report.schema.json is a valid JSON Schema 2020-12 document."""
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_enums_are_the_nicks():
    """The names the schema allows for types, states, leak kinds and
    shutdown phases are the nicks of the enums (what the writers use)."""
    def nicks(enum, leave_out=()):
        return [v.value_nick for _, v in sorted(enum.__enum_values__.items())
                if v.value_nick not in leave_out]

    defs = SCHEMA["$defs"]
    assert defs["resource-type"]["enum"] == nicks(Resmgr.ResourceType)
    assert defs["resource-state"]["enum"] == nicks(Resmgr.ResourceState)
    assert defs["component-state"]["enum"] == nicks(Resmgr.ComponentState)
    assert defs["leak-kind"]["enum"] == nicks(Resmgr.LeakKind, ("none",))
    assert defs["priority"]["maximum"] == Resmgr.PRIORITY_MAX
    if ResmgrGtk is not None:
        assert defs["shutdown-phase"]["enum"] == nicks(ResmgrGtk.ShutdownPhase, ("none", "done"))


def test_invalid_documents_fail():
    """An unknown member (at the top, in a nested resource, in an embedded
    report), a missing or other version, a missing member or an unknown
    kind fail validation."""
    manager = Resmgr.Manager.new()
    comp = failing_component_cleanup(manager)
    del comp
    good = json.loads(manager.shutdown(1000).to_json(False))
    assert VALIDATOR.is_valid(good)

    def mutated(change):
        doc = json.loads(json.dumps(good))
        change(doc)
        return doc

    a_failure = VALIDATED["cleanup-report"][0][1]
    assert a_failure["failures"] and a_failure["leftovers"]
    bad = {
        "an unknown member": mutated(lambda d: d.update(extra=1)),
        "no version": mutated(lambda d: d.pop("version")),
        "version 2": mutated(lambda d: d.update(version=2)),
        "version \"1\"": mutated(lambda d: d.update(version="1")),
        "no kind": mutated(lambda d: d.pop("kind")),
        "an unknown kind": mutated(lambda d: d.update(kind="report")),
        "another kind's members": mutated(lambda d: d.update(kind="monitor-report")),
        "no scope": mutated(lambda d: d.pop("scope")),
        "a phase with an unknown member": mutated(lambda d: d["phases"][0].update(extra=1)),
        "a failure with an unknown member":
            dict(a_failure, failures=[dict(a_failure["failures"][0], extra=1)]),
        "a failure without its error":
            dict(a_failure, failures=[{k: v for k, v in a_failure["failures"][0].items() if k != "message"}]),
        "a leftover of an unknown type":
            dict(a_failure, leftovers=[dict(a_failure["leftovers"][0], type="spoon")]),
        "a monitor report with an embedded report with an unknown member": {
            "version": 1, "kind": "monitor-report",
            "settings": {"interval_ms": 0, "history_size": 1, "report_history_size": 1,
                         "growth_threshold": 0, "age_threshold_s": 0},
            "memory": {"rss": 0, "growth": 0, "samples": []}, "stats": None,
            "components": [], "leaks": [],
            "reports": [{"time": 1, "report": dict(good, extra=1)}]},
    }
    for what, doc in bad.items():
        assert not VALIDATOR.is_valid(doc), "%s validates" % what
    # ... and the monitor report above without the extra member does.
    fixed = bad["a monitor report with an embedded report with an unknown member"]
    fixed["reports"][0]["report"] = good
    assert VALIDATOR.is_valid(fixed)


def code_blocks(language):
    """The ```LANGUAGE blocks of docs/reports.md."""
    path = os.path.join(os.path.dirname(os.path.abspath(SCHEMA_PATH)), "reports.md")
    with open(path) as f:
        text = f.read()
    fence = "```" + language + "\n"
    return [part.split("```", 1)[0] for part in text.split(fence)[1:]]


def test_reports_page():
    """docs/reports.md: its example report validates, and its Python code
    accepts a real report and rejects one with an unknown member."""
    examples = code_blocks("json")
    assert len(examples) == 1, examples
    errors = list(VALIDATOR.iter_errors(json.loads(examples[0])))
    assert not errors, [e.message for e in errors]

    [code] = code_blocks("python")
    real = VALIDATED["cleanup-report"][0][1]
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "docs"))
        shutil.copy(SCHEMA_PATH, os.path.join(tmp, "docs", "report.schema.json"))
        for doc, ok in ((real, True), (dict(real, extra=1), False)):
            with open(os.path.join(tmp, "report.json"), "w") as f:
                json.dump(doc, f)
            run = subprocess.run([sys.executable, "-c", code], cwd=tmp, capture_output=True, text=True,
                                 timeout=DEADLINE)
            assert (run.returncode == 0) == ok, (ok, run.stderr)
            assert ok or "ValidationError" in run.stderr, run.stderr


def test_every_member_appears():
    """Every member the schema names appears in at least one validated
    document of its kind (kinds not validated here were skipped)."""
    seen = set()
    for kind, docs in VALIDATED.items():
        for _, doc in docs:
            seen |= document_members(doc)
    missing = set()
    checked = []
    for kind in KINDS:
        if not VALIDATED[kind]:
            print("# %s: no document validated (skipped above): its members not checked" % kind)
            continue
        named = schema_members("#/$defs/" + kind)
        checked.append("%s: %d members" % (kind, len(named)))
        missing |= named - seen
    print("# " + ", ".join(checked))
    assert not missing, "named in the schema, in no document:\n  " + "\n  ".join(sorted(missing))
    assert VALIDATED["cleanup-report"] and VALIDATED["monitor-report"], "no document to check"

# }}}


TESTS = [
    test_schema_is_valid,
    test_enums_are_the_nicks,
    test_cleanup_reports,
    test_monitor_reports,
    test_application_shutdown,
    test_demo_scenario,
    test_invalid_documents_fail,
    test_reports_page,
    test_every_member_appears,
]


def main():
    print("1..%d" % len(TESTS))
    failed = 0
    for i, test in enumerate(TESTS, 1):
        try:
            test()
        except Skip as e:
            print("ok %d %s # SKIP %s" % (i, test.__name__, e))
        except Exception:
            failed += 1
            print("not ok %d %s" % (i, test.__name__))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        else:
            print("ok %d %s" % (i, test.__name__))
        sys.stdout.flush()
    for kind in KINDS:
        print("# %s: %d document(s) validated" % (kind, len(VALIDATED[kind])))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
