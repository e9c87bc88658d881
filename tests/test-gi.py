#!/usr/bin/python3
# test-gi.py: GObject-Introspection smoke test of resmgr, TAP output.
#
# Run with the system Python (/usr/bin/python3, which has gi), with
# GI_TYPELIB_PATH pointing at the build directory holding Resmgr-1.0.typelib
# and LD_LIBRARY_PATH at the one holding libresmgr-1.so.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gc
import sys
import threading
import traceback

import gi

gi.require_version("GObject", "2.0")
gi.require_version("Resmgr", "1.0")
from gi.repository import GLib, GObject, Resmgr  # noqa: E402


class Component(GObject.Object):
    pass


class Watched(GObject.Object):
    pass


def test_track_object_python_cleanup():
    """A Python component, a watched object and a Python cleanup callback."""
    manager = Resmgr.Manager.new()
    assert isinstance(manager, Resmgr.Service)

    comp = Component()
    assert manager.register_component(comp, "py-1")
    assert manager.dup_component_id(comp) == "py-1"

    watched = Watched()
    calls = []

    def cleanup(resource, *user_data):
        calls.append((resource, user_data))
        return True

    rid = manager.track_object(comp, Resmgr.ResourceType.WORKER, "py-worker", 128,
                               Resmgr.PRIORITY_DEFAULT, watched, cleanup, "token")
    assert rid != 0, rid

    handle = manager.lookup(rid)
    assert handle.get_id() == rid
    assert handle.get_name() == "py-worker"
    assert handle.get_component_id() == "py-1"
    assert handle.get_resource_type() == Resmgr.ResourceType.WORKER
    assert handle.get_priority() == 100
    assert handle.get_state() == Resmgr.ResourceState.ACTIVE
    assert handle.get_size() == 128

    stats = manager.dup_stats()
    assert stats.get_n_resources() == 1
    assert stats.get_count(Resmgr.ResourceType.WORKER) == 1
    assert stats.get_bytes(Resmgr.ResourceType.WORKER) == 128
    assert stats.get_n_components() == 1

    assert manager.release(rid)
    assert len(calls) == 1, calls
    resource, user_data = calls[0]
    assert resource, "the cleanup got no object"
    assert user_data == ("token",), user_data

    # released once only
    try:
        manager.release(rid)
    except GLib.Error as e:
        assert e.matches(Resmgr.error_quark(), Resmgr.Error.NOT_FOUND), e
    else:
        raise AssertionError("second release did not fail")
    assert len(calls) == 1

    stats = manager.dup_stats()
    assert stats.get_n_resources() == 0
    assert stats.get_total_tracked() == 1
    assert stats.get_total_released() == 1
    assert stats.get_total_lost() == 0

    del comp
    gc.collect()
    stats = manager.dup_stats()
    assert stats.get_n_components() == 0


def test_add_cleanup_and_report():
    """add_cleanup from Python; cleanup_component returns a report with JSON."""
    manager = Resmgr.Manager.new()
    comp = Component()
    manager.register_component(comp, None)
    comp_id = manager.dup_component_id(comp)
    assert comp_id.startswith("Component-") or comp_id.endswith("-1"), comp_id

    order = []
    manager.add_cleanup(comp, "first", 90, lambda res, *d: order.append("first") or True)
    manager.add_cleanup(comp, "second", 10, lambda res, *d: order.append("second") or True)

    report = manager.cleanup_component(comp)
    assert order == ["first", "second"], order
    assert report.get_scope() == comp_id
    assert report.get_released() == 2
    assert report.get_failed() == 0
    assert report.is_clean()
    json = report.to_json(False)
    assert '"scope"' in json, json


def test_watched_object_dies_first():
    """A watched Python object that dies first: no cleanup, counted lost."""
    manager = Resmgr.Manager.new()
    comp = Component()
    manager.register_component(comp, "py-2")
    calls = []
    watched = Watched()
    rid = manager.track_object(comp, Resmgr.ResourceType.WIDGET, "w", 0,
                               Resmgr.PRIORITY_DEFAULT, watched,
                               lambda res, *d: calls.append(res) or True)
    assert rid != 0
    del watched
    gc.collect()
    try:
        manager.lookup(rid)
    except GLib.Error as e:
        assert e.matches(Resmgr.error_quark(), Resmgr.Error.NOT_FOUND), e
    else:
        raise AssertionError("lookup of a finalized object succeeded")
    assert calls == []
    assert manager.dup_stats().get_total_lost() == 1


class OwnerThread:
    """A thread that owns its own pushed main context and registers a
    component there; it iterates the context only while `iterate` is set."""

    def __init__(self, manager, comp_id, iterate):
        self.manager = manager
        self.comp_id = comp_id
        self.iterate = iterate
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.comp = None

    def run(self):
        context = GLib.MainContext.new()
        context.push_thread_default()
        self.comp = Component()
        self.manager.register_component(self.comp, self.comp_id)
        self.context = context
        self.ready.set()
        while not self.stop.is_set():
            if self.iterate:
                context.iteration(False)
            self.stop.wait(0.005)
        context.pop_thread_default()

    def start(self):
        self.thread.start()
        self.ready.wait()

    def join(self):
        self.stop.set()
        self.thread.join()


def test_wait_timeout_and_owner_not_iterating():
    """A cleanup asked from another thread of an owner that does not iterate
    fails with TIMED_OUT naming the component, and cleans nothing."""
    manager = Resmgr.Manager.new()
    assert manager.get_wait_timeout() == Resmgr.MANAGER_DEFAULT_WAIT_TIMEOUT
    manager.set_wait_timeout(150)
    assert manager.props.wait_timeout == 150

    owner = OwnerThread(manager, "py-stuck", iterate=False)
    owner.start()
    calls = []
    manager.add_cleanup(owner.comp, "c", Resmgr.PRIORITY_DEFAULT,
                        lambda res, *d: calls.append(threading.get_ident()) or True)
    try:
        manager.cleanup_component(owner.comp)
    except GLib.Error as e:
        assert e.matches(Resmgr.error_quark(), Resmgr.Error.TIMED_OUT), e
        assert "py-stuck" in e.message, e.message
    else:
        raise AssertionError("cleanup of a stuck owner did not time out")
    assert calls == []
    assert manager.dup_stats().get_n_resources() == 1

    # the shutdown names it with the reason, and cleans nothing of it
    report = manager.shutdown(150)
    assert report.get_timed_out()
    assert not report.is_clean()
    leftovers = report.get_leftovers()
    assert len(leftovers) == 1, leftovers
    assert leftovers[0].get_component_id() == "py-stuck"
    assert "not iterated" in report.get_leftover_reason(0), report.get_leftover_reason(0)
    assert '"reason"' in report.to_json(False)
    assert calls == []
    owner.join()


def test_shutdown_overrun_and_late_report():
    """A cleanup still running at the shutdown deadline is named as an
    overrun; its completion arrives later in a '(late)' report."""
    manager = Resmgr.Manager.new()
    reports = []
    manager.connect("cleanup-finished", lambda m, r: reports.append(r))
    owner = OwnerThread(manager, "py-slow", iterate=True)
    owner.start()
    started = threading.Event()
    release = threading.Event()

    def slow(res, *d):
        started.set()
        release.wait(10)
        return True

    manager.add_cleanup(owner.comp, "slow", Resmgr.PRIORITY_DEFAULT, slow)
    report = manager.shutdown(200)
    assert started.is_set()
    assert report.get_timed_out()
    assert report.get_n_overruns() == 1
    handle, running_us = report.get_overrun(0)
    assert handle.get_name() == "slow", handle.get_name()
    assert handle.get_component_id() == "py-slow"
    assert running_us > 0
    release.set()
    owner.join()
    ctx = GLib.MainContext.default()
    while ctx.iteration(False):
        pass
    scopes = [r.get_scope() for r in reports]
    assert "shutdown" in scopes, scopes
    assert "shutdown (late)" in scopes, scopes
    late = reports[scopes.index("shutdown (late)")]
    assert late.get_released() == 1


def test_oversize_and_foreign_id():
    """A size above G_MAXSSIZE is refused; another manager's id is unknown."""
    m1 = Resmgr.Manager.new()
    m2 = Resmgr.Manager.new()
    c1, c2 = Component(), Component()
    m1.register_component(c1, "a")
    m2.register_component(c2, "b")
    try:
        m1.track_object(c1, Resmgr.ResourceType.MEMORY, "huge", 2 ** 64 - 1,
                        Resmgr.PRIORITY_DEFAULT, Watched(), None)
    except GLib.Error as e:
        assert e.matches(Resmgr.error_quark(), Resmgr.Error.INVALID_ARGUMENT), e
    else:
        raise AssertionError("an oversize track was accepted")
    calls = []
    rid1 = m1.add_cleanup(c1, "x", Resmgr.PRIORITY_DEFAULT, lambda r, *d: calls.append(1) or True)
    rid2 = m2.add_cleanup(c2, "y", Resmgr.PRIORITY_DEFAULT, lambda r, *d: calls.append(2) or True)
    assert rid1 != rid2
    try:
        m2.release(rid1)
    except GLib.Error as e:
        assert e.matches(Resmgr.error_quark(), Resmgr.Error.NOT_FOUND), e
    else:
        raise AssertionError("a foreign id was released")
    assert calls == []


def test_coordinator_ids():
    """The coordinator's tracks return the service's ids; a handle only on
    lookup; stats per component; process lifetime as metadata."""
    manager = Resmgr.Manager.new()
    comp = Component()
    coordinator = Resmgr.Coordinator.new(manager)
    assert coordinator.bind(comp, "py-facade")

    calls = []

    def cleanup(resource, *user_data):
        calls.append(user_data)
        return True

    rid = coordinator.track_object(Resmgr.ResourceType.WIDGET, "py-widget", 16,
                                   Resmgr.PRIORITY_DEFAULT, Watched(), cleanup, "w")
    assert isinstance(rid, int) and rid != 0, rid
    kept = Watched()
    rid = coordinator.track_object(Resmgr.ResourceType.WIDGET, "py-kept", 32,
                                   Resmgr.PRIORITY_DEFAULT, kept, cleanup, "k")
    handle = coordinator.lookup(rid)
    assert handle.get_id() == rid and handle.get_name() == "py-kept"
    assert handle.get_component_id() == "py-facade"

    assert coordinator.mark_process_lifetime(rid)
    assert coordinator.is_process_lifetime(rid)

    stats = coordinator.dup_stats()
    assert stats.get_count(Resmgr.ResourceType.WIDGET) == 1  # the first one died
    assert stats.get_bytes(Resmgr.ResourceType.WIDGET) == 32

    assert coordinator.release(rid)
    assert calls == [("k",)], calls
    try:
        coordinator.lookup(rid)
    except GLib.Error as e:
        assert e.matches(Resmgr.error_quark(), Resmgr.Error.NOT_FOUND), e
    else:
        raise AssertionError("lookup of a released id did not fail")
    coordinator.cleanup_all()


def test_gtk_namespace():
    """resmgr-gtk-1 is its own namespace, on top of Resmgr (skipped when
    resmgr-gtk-1 is not built)."""
    try:
        gi.require_version("ResmgrGtk", "1.0")
    except ValueError:
        print("# ResmgrGtk-1.0 not built: skipped")
        return
    from gi.repository import ResmgrGtk  # noqa: E402

    assert ResmgrGtk.GLCoordinator.__gtype__.is_a(Resmgr.Coordinator.__gtype__)
    assert callable(ResmgrGtk.controller_bind_widget)
    assert callable(ResmgrGtk.application_attach)
    # The core namespace has no GTK in it.
    assert not hasattr(Resmgr, "GLCoordinator")
    assert not hasattr(Resmgr, "controller_bind_widget")


def test_gl_coordinator_ids():
    """The GL coordinator takes the service's ids like its parent: an id
    array for release_many (an id it does not track is refused, naming
    it), names and contexts by id, one release through the parent (skipped
    when resmgr-gtk-1 is not built; needs no display: no GL name is made)."""
    try:
        gi.require_version("ResmgrGtk", "1.0")
    except ValueError:
        print("# ResmgrGtk-1.0 not built: skipped")
        return
    from gi.repository import ResmgrGtk  # noqa: E402

    manager = Resmgr.Manager.new()
    comp = Component()
    coordinator = ResmgrGtk.GLCoordinator.new(manager)
    assert coordinator.bind(comp, "py-gl")
    # A plain resource of the same component: not a GL object of it.
    watched = Watched()
    rid = coordinator.track_object(Resmgr.ResourceType.CUSTOM, "py-plain", 1,
                                   Resmgr.PRIORITY_DEFAULT, watched, None)
    assert rid != 0

    assert coordinator.get_name(rid) == 0
    assert coordinator.get_context_for(rid) is None
    assert coordinator.release_many([])
    try:
        coordinator.release_many([rid, 987654321])
    except GLib.Error as e:
        assert e.matches(Resmgr.error_quark(), Resmgr.Error.NOT_FOUND), e
        assert str(rid) in e.message, e.message
    else:
        raise AssertionError("release_many of ids it does not track did not fail")
    # Refused, so still tracked; one resource goes through the parent.
    assert coordinator.lookup(rid).get_name() == "py-plain"
    assert coordinator.release(rid)
    coordinator.cleanup_all()


class PyController(Resmgr.Controller):
    __gtype_name__ = "PyController"


def test_controller_facets():
    """A Python controller gets a worker coordinator as a facet, bound to
    its one component."""
    manager = Resmgr.Manager.new()
    controller = PyController(service=manager)
    plain = controller.get_resources()
    workers = controller.get_facet(Resmgr.WorkerCoordinator)
    assert isinstance(workers, Resmgr.WorkerCoordinator), workers
    assert workers != plain
    assert controller.get_worker_coordinator() == workers
    assert controller.get_facet(Resmgr.Coordinator) == plain
    assert workers.get_component_id() == controller.get_id()
    assert manager.dup_stats().get_n_components() == 1
    report = controller.cleanup()
    assert report.is_clean()


TESTS = [
    test_track_object_python_cleanup,
    test_add_cleanup_and_report,
    test_watched_object_dies_first,
    test_wait_timeout_and_owner_not_iterating,
    test_shutdown_overrun_and_late_report,
    test_oversize_and_foreign_id,
    test_coordinator_ids,
    test_gtk_namespace,
    test_gl_coordinator_ids,
    test_controller_facets,
]


def main():
    print("1..%d" % len(TESTS))
    failed = 0
    for i, test in enumerate(TESTS, 1):
        try:
            test()
        except Exception:
            failed += 1
            print("not ok %d %s" % (i, test.__name__))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        else:
            print("ok %d %s" % (i, test.__name__))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
