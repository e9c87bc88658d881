#!/usr/bin/python3
# test-python.py: resmgr from Python (PyGObject), TAP output.
#
# What a Python application does with resmgr: subclass ResmgrController
# and override its virtual functions, run jobs on the worker pool and watch
# their progress on the main loop, cancel them, track Python objects with
# cleanups that run exactly once, clean up and read the report's JSON; and
# a test per public class calling its methods.
#
# Run with the system Python (/usr/bin/python3, which has gi), with
# GI_TYPELIB_PATH pointing at the build directory holding Resmgr-1.0.typelib
# and LD_LIBRARY_PATH at the one holding libresmgr-1.so. Every introspected
# method is wrapped to record that it was called; with RESMGR_PY_CALLS=<file>
# the list is written there (scripts/gi-call-table.py makes the table of
# public classes and methods called from Python).
#
# Waits for other threads use threading.Event with a generous timeout, as a
# deadline, never as a sleep; no test asserts a wall-clock time.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gc
import json
import os
import sys
import threading
import traceback
import weakref

import gi

gi.require_version("GObject", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("GIRepository", "2.0")
gi.require_version("Resmgr", "1.0")
from gi.repository import GIRepository, GLib, GObject, Gio, Resmgr  # noqa: E402

try:
    gi.require_version("ResmgrGtk", "1.0")
    gi.require_version("Gtk", "4.0")
    from gi.repository import ResmgrGtk  # noqa: E402
except (ValueError, ImportError):
    ResmgrGtk = None

DEADLINE = 30  # seconds: a wait that takes this long is a failure, not a timing

# Recording which methods are called {{{

CALLED = set()


def _recorded(key, orig, flags):
    """Wraps a method, constructor or static function of a class to record
    its calls as @key."""
    def call(*args, **kwargs):
        CALLED.add(key)
        return orig(*args, **kwargs)
    if flags & GIRepository.FunctionInfoFlags.IS_CONSTRUCTOR:
        return classmethod(call)  # PyGObject's constructors take the class first
    if flags & GIRepository.FunctionInfoFlags.IS_METHOD:
        return call
    return staticmethod(call)


def _record_function(key, orig):
    def call(*args, **kwargs):
        CALLED.add(key)
        return orig(*args, **kwargs)
    return call


def _instrument(namespace, module):
    """Wraps every introspected method, constructor and function of
    @namespace to record its calls as 'Namespace.Class.method'."""
    repo = GIRepository.Repository.get_default()
    info_type = GIRepository.InfoType
    getters = {
        info_type.OBJECT: (GIRepository.object_info_get_n_methods, GIRepository.object_info_get_method),
        info_type.INTERFACE: (GIRepository.interface_info_get_n_methods, GIRepository.interface_info_get_method),
        info_type.STRUCT: (GIRepository.struct_info_get_n_methods, GIRepository.struct_info_get_method),
    }
    for i in range(repo.get_n_infos(namespace)):
        info = repo.get_info(namespace, i)
        kind = info.get_type()
        if kind == info_type.FUNCTION:
            name = info.get_name()
            orig = getattr(module, name, None)
            if orig is not None:
                setattr(module, name, _record_function("%s.%s" % (namespace, name), orig))
            continue
        if kind not in getters:
            continue
        if kind == info_type.STRUCT and GIRepository.struct_info_is_gtype_struct(info):
            continue
        cls = getattr(module, info.get_name(), None)
        if cls is None:
            continue
        n_methods, get_method = getters[kind]
        for j in range(n_methods(info)):
            m = get_method(info, j)
            name = m.get_name()
            getattr(cls, name, None)  # PyGObject adds methods to the class lazily
            orig = cls.__dict__.get(name)
            if orig is None:
                continue
            setattr(cls, name, _recorded("%s.%s.%s" % (namespace, info.get_name(), name), orig,
                                         GIRepository.function_info_get_flags(m)))


_instrument("Resmgr", Resmgr)
if ResmgrGtk is not None:
    _instrument("ResmgrGtk", ResmgrGtk)

# }}}


def iterate_until(predicate, context=None):
    """Iterates @context (the default one) until @predicate holds."""
    context = context or GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + DEADLINE * 1000000
    while not predicate():
        assert GLib.get_monotonic_time() < deadline, "gave up waiting"
        context.iteration(True)


def iterate_pending():
    context = GLib.MainContext.default()
    while context.iteration(False):
        pass


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
    """A controller with no overrides: the defaults."""
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


# Overriding the virtual functions {{{

class PyWorkers(Resmgr.WorkerCoordinator):
    """A worker coordinator that counts its own cleanup and the resources
    it frees, and chains up."""
    __gtype_name__ = "PyWorkers"

    def do_cleanup(self):
        self.cleanups = getattr(self, "cleanups", 0) + 1
        return Resmgr.WorkerCoordinator.do_cleanup(self)

    def do_cleanup_resource(self, resource_type, resource):
        self.freed = getattr(self, "freed", []) + [resource_type]
        return Resmgr.WorkerCoordinator.do_cleanup_resource(self, resource_type, resource)


class PyJobsController(Resmgr.Controller):
    """Overrides create_coordinator (its coordinator runs jobs) and
    cleaned_up."""
    __gtype_name__ = "PyJobsController"

    def do_create_coordinator(self, service):
        coordinator = PyWorkers(service=service)
        self.created = getattr(self, "created", []) + [(service, coordinator)]
        return coordinator

    def do_cleaned_up(self, report):
        self.cleaned = getattr(self, "cleaned", []) + [(report, threading.get_ident())]


def test_controller_vfuncs():
    """do_create_coordinator is called once, with the service, and its
    coordinator is the controller's; the coordinator's do_cleanup and
    do_cleanup_resource run at the cleanup, once; do_cleaned_up runs once,
    on the main thread, and the ::cleaned-up signal still fires."""
    manager = Resmgr.Manager.new()
    controller = PyJobsController(service=manager)
    assert len(controller.created) == 1, controller.created
    service, coordinator = controller.created[0]
    assert service == manager
    assert controller.get_resources() == coordinator
    assert isinstance(controller.get_resources(), PyWorkers)
    assert controller.get_worker_coordinator() == coordinator
    assert coordinator.is_bound()
    assert coordinator.get_component_id() == controller.get_id()
    assert controller.get_service() == manager

    signalled = []
    controller.connect("cleaned-up", lambda c, r: signalled.append(r))
    cancellable = Gio.Cancellable()
    rid = coordinator.track(Resmgr.ResourceType.WORKER, "py-cancellable", 0, cancellable)
    assert rid != 0

    assert not controller.is_cleaned_up()
    report = controller.cleanup()
    assert controller.is_cleaned_up()
    assert report.is_clean(), report.to_json(True)
    assert cancellable.is_cancelled(), "the default cleanup_resource did not run"
    assert coordinator.cleanups == 1
    assert coordinator.freed == [Resmgr.ResourceType.WORKER], coordinator.freed
    assert len(controller.cleaned) == 1
    assert controller.cleaned[0][1] == threading.main_thread().ident
    assert len(signalled) == 1
    assert controller.dup_report().get_scope() == report.get_scope()

    # idempotent: nothing runs twice
    again = controller.cleanup()
    assert again.get_scope() == report.get_scope()
    assert coordinator.cleanups == 1 and len(controller.cleaned) == 1


def test_controller_status():
    """The status and busy properties of a controller."""
    controller = PyController(service=Resmgr.Manager.new())
    notified = []
    controller.connect("notify::status", lambda c, p: notified.append(c.dup_status()))
    controller.set_status("hashing")
    assert controller.dup_status() == "hashing"
    assert notified == ["hashing"], notified
    assert controller.get_busy() is False
    controller.cleanup()

# }}}

# Jobs {{{


def test_job_progress_on_main_loop():
    """A Python job runs on a pool thread; each progress value it sets is
    seen on the main loop (the job waits for it), then its value arrives in
    run_job_finish, the worker ends FINISHED, n-active drops and all-idle is
    emitted."""
    manager = Resmgr.Manager.new()
    controller = PyJobsController(service=manager)
    workers = controller.get_worker_coordinator()
    main = threading.get_ident()
    steps = 4
    acks = [threading.Event() for _ in range(steps)]
    ran_on = []
    seen = []
    messages = []
    outcome = []
    idle = []

    def job(worker, cancellable):
        ran_on.append(threading.get_ident())
        assert isinstance(worker, Resmgr.Worker)
        assert cancellable == worker.get_cancellable()
        for i in range(steps):
            worker.set_message("step %d" % (i + 1))
            worker.set_progress((i + 1) / steps)
            assert acks[i].wait(DEADLINE), "the main loop did not see step %d" % (i + 1)
        return "digest"

    def on_progress(worker, pspec):
        assert threading.get_ident() == main
        value = worker.get_progress()
        seen.append(value)
        messages.append(worker.dup_message())
        acks[round(value * steps) - 1].set()

    def done(source, result):
        assert threading.get_ident() == main
        outcome.append((source.run_job_finish(result), source.get_n_active()))

    workers.connect("all-idle", lambda w: idle.append(True))
    worker = workers.run_job_async("hash", job, None, done)
    assert worker.get_name() == "hash"
    assert worker.get_id() != 0
    assert workers.get_n_active() == 1
    assert [w.get_name() for w in workers.dup_workers()] == ["hash"]
    worker.connect("notify::progress", on_progress)
    iterate_until(lambda: outcome)

    assert ran_on and ran_on[0] != main
    assert seen == [0.25, 0.5, 0.75, 1.0], seen
    assert messages == ["step 1", "step 2", "step 3", "step 4"], messages
    assert outcome == [("digest", 0)], outcome
    assert worker.get_state() == Resmgr.WorkerState.FINISHED
    assert worker.is_done()
    assert worker.dup_error() is None
    assert worker.get_run_time() > 0
    iterate_pending()
    assert idle == [True], idle
    assert controller.cleanup().is_clean()


class Job:
    """A job as a callable object, so that a weak reference tells when the
    coordinator let its closure go."""

    def __init__(self, started, go):
        self.started = started
        self.go = go

    def __call__(self, worker, cancellable):
        self.started.set()
        assert self.go.wait(DEADLINE)
        assert cancellable.is_cancelled()
        return "a value, returned anyway"


def run_cancelled(how):
    manager = Resmgr.Manager.new()
    controller = PyJobsController(service=manager)
    workers = controller.get_worker_coordinator()
    started, go = threading.Event(), threading.Event()
    job = Job(started, go)
    job_ref = weakref.ref(job)
    outcome = []
    states = []

    def done(source, result):
        try:
            outcome.append(source.run_job_finish(result))
        except GLib.Error as e:
            outcome.append(e)

    cancellable = Gio.Cancellable()
    worker = workers.run_job_async("cancel-me", job, cancellable, done)
    del job
    worker.connect("notify::state", lambda w, p: states.append(w.get_state()))
    assert started.wait(DEADLINE)
    if how == "worker":
        worker.cancel()
    elif how == "cancellable":
        cancellable.cancel()
    else:
        # waits for the job (on the main loop, occupying no thread)
        workers.cancel_all_async(DEADLINE * 1000, None,
                                 lambda s, r: outcome.append(("abandoned", s.cancel_all_finish(r))))
    go.set()
    iterate_until(lambda: any(isinstance(o, GLib.Error) for o in outcome))
    if how == "cancel_all":
        iterate_until(lambda: len(outcome) == 2)
        assert ("abandoned", []) in outcome, outcome
    iterate_pending()

    errors = [o for o in outcome if isinstance(o, GLib.Error)]
    assert len(errors) == 1, outcome
    assert errors[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED), errors[0]
    assert worker.get_state() == Resmgr.WorkerState.CANCELLED
    assert states[-1] == Resmgr.WorkerState.CANCELLED, states
    assert worker.dup_error().matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    gc.collect()
    assert job_ref() is None, "the job's closure was not freed"
    assert controller.cleanup().is_clean()


def test_job_cancel_worker():
    """A job cancelled through its worker that returns a value anyway ends
    CANCELLED with G_IO_ERROR_CANCELLED; its closure is freed."""
    run_cancelled("worker")


def test_job_cancel_cancellable():
    """The same, cancelled through the GCancellable given to run_job_async."""
    run_cancelled("cancellable")


def test_job_cancel_all_async():
    """The same, cancelled by cancel_all_async, which then reports no
    abandoned job."""
    run_cancelled("cancel_all")


def test_job_failures():
    """A job returning a GLib.Error fails with it; one raising an exception
    fails with G_IO_ERROR_FAILED; one returning a Python object wrapped in
    a GObject.Value gives it back; None is a value."""
    manager = Resmgr.Manager.new()
    controller = PyJobsController(service=manager)
    workers = controller.get_worker_coordinator()
    payload = {"digest": [1, 2, 3]}

    def run(func):
        outcome = []

        def done(source, result):
            try:
                outcome.append(("value", source.run_job_finish(result)))
            except GLib.Error as e:
                outcome.append(("error", e))
        worker = workers.run_job_async("job", func, None, done)
        iterate_until(lambda: outcome)
        return outcome[0], worker.get_state()

    def fail(worker, cancellable):
        return GLib.Error.new_literal(Resmgr.error_quark(), "no such file", Resmgr.Error.NOT_FOUND)

    (kind, e), state = run(fail)
    assert kind == "error" and e.matches(Resmgr.error_quark(), Resmgr.Error.NOT_FOUND), e
    assert state == Resmgr.WorkerState.FAILED

    def boom(worker, cancellable):
        raise RuntimeError("expected by the test: a job raising")

    print("# a traceback of 'expected by the test' follows on stderr")
    (kind, e), state = run(boom)
    assert kind == "error" and e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.FAILED), e
    assert state == Resmgr.WorkerState.FAILED

    (kind, value), state = run(lambda w, c: GObject.Value(GObject.TYPE_PYOBJECT, payload))
    assert kind == "value" and value is payload, value
    (kind, value), state = run(lambda w, c: None)
    assert kind == "value" and value is None and state == Resmgr.WorkerState.FINISHED
    assert controller.cleanup().is_clean()


def test_subprocess_job():
    """A program run as a job (what GJS apps use): its progress lines are
    seen on the main loop, its output is the value; cancelled, it is
    killed and the job ends CANCELLED."""
    manager = Resmgr.Manager.new()
    controller = PyJobsController(service=manager)
    workers = controller.get_worker_coordinator()
    outcome, progress = [], []

    def done(source, result):
        try:
            outcome.append(source.run_job_finish(result))
        except GLib.Error as e:
            outcome.append(e)

    worker = workers.run_subprocess_async(
        "sh", ["/bin/sh", "-c", "echo progress 0.5; echo message half; echo digest"], None, done)
    worker.connect("notify::progress", lambda w, p: progress.append(w.get_progress()))
    iterate_until(lambda: outcome)
    assert outcome == ["digest\n"], outcome
    assert progress[-1] == 0.5 and worker.dup_message() == "half"
    assert worker.get_state() == Resmgr.WorkerState.FINISHED

    del outcome[:], progress[:]
    worker = workers.run_subprocess_async(
        "sleeper", ["/bin/sh", "-c", "echo progress 0.1; exec sleep 600"], None, done)
    worker.connect("notify::progress", lambda w, p: progress.append(w.get_progress()))
    iterate_until(lambda: progress)
    worker.cancel()
    iterate_until(lambda: outcome)
    assert outcome[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED), outcome
    assert worker.get_state() == Resmgr.WorkerState.CANCELLED
    assert controller.cleanup().is_clean()


def test_worker_coordinator_settings():
    """pool-size, cancel-timeout, a blocking cancel_all with nothing to do,
    and a refused job (unbound coordinator)."""
    manager = Resmgr.Manager.new()
    workers = Resmgr.WorkerCoordinator.new(manager)
    workers.set_pool_size(2)
    assert workers.get_pool_size() == 2 and workers.props.pool_size == 2
    workers.set_cancel_timeout(1234)
    assert workers.get_cancel_timeout() == 1234
    assert workers.cancel_all(100) == []
    outcome = []

    def done(source, result):
        try:
            source.run_job_finish(result)
        except GLib.Error as e:
            outcome.append(e)
    worker = workers.run_job_async("unbound", lambda w, c: 1, None, done)
    assert worker is None
    iterate_until(lambda: outcome)
    assert outcome[0].matches(Resmgr.error_quark(), Resmgr.Error.INVALID_ARGUMENT), outcome

# }}}

# Python objects and cleanups {{{


class Payload:
    """Any Python object, owned by a component."""


def test_track_python_objects():
    """Python objects tracked three ways: a plain object kept in a cleanup's
    closure (track_resource with no resource, add_cleanup), a GObject
    watched (track_object). Each cleanup runs exactly once, on the main
    thread, the objects are let go after, and a second cleanup runs
    nothing."""
    manager = Resmgr.Manager.new()
    controller = PyController(service=manager)
    coordinator = controller.get_resources()
    calls = []

    def cleanup(resource, data):
        calls.append((data.__class__.__name__ if data is not None else None, resource,
                      threading.get_ident()))
        return True

    payload = Payload()
    payload_ref = weakref.ref(payload)
    rid = coordinator.track_resource(Resmgr.ResourceType.MEMORY, "payload", 4096,
                                     Resmgr.PRIORITY_DEFAULT, None, cleanup, payload)
    assert rid != 0
    hook = Payload()
    hook_ref = weakref.ref(hook)
    assert manager.add_cleanup(controller, "hook", 10, cleanup, hook) != 0
    watched = Gio.Cancellable()
    assert coordinator.track_object(Resmgr.ResourceType.WORKER, "watched", 0,
                                    Resmgr.PRIORITY_DEFAULT, watched, cleanup, None) != 0
    other = Payload()
    other_ref = weakref.ref(other)
    assert manager.track_resource(controller, Resmgr.ResourceType.CUSTOM, "service-level", 1,
                                  Resmgr.PRIORITY_DEFAULT, None, cleanup, other) != 0
    del payload, hook, other
    gc.collect()
    assert payload_ref() is not None, "the service let the payload go early"

    report = controller.cleanup()
    assert report.is_clean()
    assert report.get_released() >= 4
    names = sorted(str(c[0]) for c in calls)
    assert names == ["None", "Payload", "Payload", "Payload"], calls
    watched_calls = [c for c in calls if c[0] is None]
    assert watched_calls[0][1] is watched, watched_calls
    assert all(c[1] is None for c in calls if c[0] == "Payload")
    assert all(c[2] == threading.main_thread().ident for c in calls)
    gc.collect()
    assert payload_ref() is None and hook_ref() is None and other_ref() is None

    controller.cleanup()
    assert len(calls) == 4


def test_report_json():
    """A failing cleanup (a GLib.Error raised by Python) is recorded with
    its message; get_failure and get_failure_error read it without taking
    it, and to_json afterwards is intact and parses."""
    manager = Resmgr.Manager.new()
    controller = PyController(service=manager)
    coordinator = controller.get_resources()

    def bad(resource, *data):
        raise GLib.Error.new_literal(Resmgr.error_quark(), "the lock is stuck",
                                     Resmgr.Error.CLEANUP_FAILED)

    coordinator.track_resource(Resmgr.ResourceType.FILE, "lock", 0, Resmgr.PRIORITY_DEFAULT,
                               None, bad)
    coordinator.track_resource(Resmgr.ResourceType.MEMORY, "buffer", 100,
                               Resmgr.PRIORITY_DEFAULT, None, lambda r, *d: True)
    report = controller.cleanup()
    assert not report.is_clean()
    assert report.get_failed() == 1 and report.get_n_failures() == 1
    handle = report.get_failure(0)
    assert handle.get_name() == "lock"
    error = report.get_failure_error(0)
    assert isinstance(error, GLib.Error)
    assert "the lock is stuck" in error.message, error.message
    assert report.get_failure_error(0).message == error.message  # still the report's

    data = json.loads(report.to_json(True))
    assert data["scope"] == report.get_scope()
    assert data["released"] == report.get_released() >= 1
    assert data["failed"] == 1 and data["clean"] is False
    failure = data["failures"][0]
    assert "the lock is stuck" in json.dumps(failure), failure
    assert data["phases"], data
    assert report.get_n_phases() == len(data["phases"])
    phase = report.get_phase(0)
    assert phase[1:4] == (data["phases"][0]["released"], data["phases"][0]["failed"],
                          data["phases"][0]["lost"]), (phase, data["phases"][0])
    assert report.get_lost() == 0 and report.get_n_overruns() == 0
    assert report.get_duration() >= 0
    assert report.get_leftovers() == []
    assert not report.get_timed_out()

# }}}
# A test per public class {{{


def test_handle_and_metadata():
    """Every getter of ResmgrHandle, metadata set from a GLib.Variant."""
    manager = Resmgr.Manager.new()
    comp = Component()
    manager.register_component(comp, "py-handle")
    before = GLib.get_real_time()
    rid = manager.track_resource(comp, Resmgr.ResourceType.FILE, "log", 77, 33, None,
                                 lambda r, *d: True)
    manager.set_metadata(rid, GLib.Variant("a{sv}", {"path": GLib.Variant("s", "/tmp/x")}))
    h = manager.lookup(rid)
    assert (h.get_id(), h.get_name(), h.get_component_id()) == (rid, "log", "py-handle")
    assert h.get_resource_type() == Resmgr.ResourceType.FILE
    assert h.get_size() == 77 and h.get_priority() == 33
    assert h.get_state() == Resmgr.ResourceState.ACTIVE
    assert h.get_created() > 0, h.get_created()
    assert h.get_metadata().unpack() == {"path": "/tmp/x"}, h.get_metadata()
    assert before > 0
    manager.release(rid)


def test_stats():
    """Every getter of ResmgrStats, and its copy."""
    manager = Resmgr.Manager.new()
    comp = Component()
    manager.register_component(comp, "py-stats")
    ids = [manager.track_resource(comp, Resmgr.ResourceType.MEMORY, "m%d" % i, 10, -1, None,
                                  lambda r, *d: True) for i in range(3)]
    manager.release(ids[0])
    s = manager.dup_stats()
    assert s.get_n_resources() == 2 and s.get_n_components() == 1
    assert s.get_count(Resmgr.ResourceType.MEMORY) == 2
    assert s.get_bytes(Resmgr.ResourceType.MEMORY) == 20 and s.get_total_bytes() == 20
    assert s.get_peak_resources() == 3 and s.get_peak_bytes() == 30
    assert s.get_peak_components() == 1
    assert s.get_total_tracked() == 3 and s.get_total_released() == 1
    assert s.get_total_failed() == 0 and s.get_total_lost() == 0
    c = s.copy()
    assert c.get_n_resources() == 2
    per = manager.dup_component_stats("py-stats")
    assert per.get_n_resources() == 2
    assert manager.dup_component_ids() == ["py-stats"]
    assert [h.get_name() for h in manager.dup_handles("py-stats")] == ["m1", "m2"]
    assert len(manager.dup_handles(None)) == 2


def test_coordinator_callbacks_and_checkpoints():
    """Owner-bound idle, timeout and invoke callbacks; a tracked signal
    handler; a checkpoint and its diff; the coordinator's getters."""
    manager = Resmgr.Manager.new()
    comp = Component()
    coordinator = Resmgr.Coordinator.new(manager)
    assert coordinator.get_service() == manager
    assert not coordinator.is_bound()
    coordinator.bind(comp, "py-callbacks")
    assert coordinator.dup_component() == comp
    assert coordinator.get_context() == GLib.MainContext.default()
    target = Watched()
    calls = []
    checkpoint = coordinator.checkpoint()

    coordinator.invoke("invoke", target, lambda t, *d: calls.append(("invoke", t, d)) or False, "i")
    coordinator.idle_add("idle", target, lambda t, *d: calls.append(("idle", t, d)) or False, "d")
    coordinator.timeout_add("timeout", 1, target,
                            lambda t, *d: calls.append(("timeout", t, d)) or False, "t")
    iterate_until(lambda: len(calls) == 3)
    assert sorted(c[0] for c in calls) == ["idle", "invoke", "timeout"], calls
    assert all(c[1] is target for c in calls)

    emitter = Watched()
    handler = emitter.connect("notify", lambda *a: None)
    coordinator.track_signal_handler(emitter, handler, "notify handler")
    assert [h.get_name() for h in coordinator.dup_handles()][-1] == "notify handler"
    gained, lost = coordinator.diff(checkpoint)
    assert [h.get_name() for h in gained] == ["notify handler"], [h.get_name() for h in gained]
    assert lost == [], lost
    report = coordinator.cleanup_all()
    assert report.is_clean()
    assert not GObject.signal_handler_is_connected(emitter, handler)


def test_service_async_and_phases():
    """cleanup_component_async, cleanup_phase (sync and async) and
    shutdown_async from Python, with their reports; the service's getters
    and the default service."""
    manager = Resmgr.Manager.new()
    assert manager.get_context() == GLib.MainContext.default()
    a, b = Component(), Component()
    manager.register_component(a, "py-a")
    manager.register_component(b, "py-b")
    order = []
    for comp, name in ((a, "a"), (b, "b")):
        manager.add_cleanup(comp, name + "-high", 90, lambda r, n: order.append(n) or True,
                            name + "-high")
        manager.add_cleanup(comp, name + "-low", 10, lambda r, n: order.append(n) or True,
                            name + "-low")
    results = []
    manager.cleanup_component_async(a, None, lambda s, r: results.append(s.cleanup_component_finish(r)))
    iterate_until(lambda: results)
    assert results[0].get_released() == 2 and order == ["a-high", "a-low"], order

    report = manager.cleanup_phase(50, 1000)
    assert order[2:] == ["b-high"], order
    assert report.get_released() == 1
    manager.cleanup_phase_async(0, 1000, None, lambda s, r: results.append(s.cleanup_phase_finish(r)))
    iterate_until(lambda: len(results) == 2)
    assert order[3:] == ["b-low"], order

    assert not manager.is_shutting_down()
    assert manager.get_deadline() == 0
    manager.shutdown_async(1000, None, lambda s, r: results.append(s.shutdown_finish(r)))
    iterate_until(lambda: len(results) == 3)
    assert results[2].is_clean()
    assert manager.is_shutting_down()
    try:
        manager.register_component(Component(), "late")
    except GLib.Error as e:
        assert e.matches(Resmgr.error_quark(), Resmgr.Error.SHUTTING_DOWN), e
    else:
        raise AssertionError("a component was registered during shutdown")

    default = Resmgr.Service.get_default()
    assert default is Resmgr.service_get_default()
    assert isinstance(default, Resmgr.Manager)
    assert Resmgr.resource_type_get_default_priority(Resmgr.ResourceType.WORKER) == 100
    assert Resmgr.error_quark() == GLib.quark_from_string("resmgr-error-quark")


def test_monitor():
    """The monitor from Python: a Python sampler, samples, the live models
    of components and resources, leaks, cleanup reports, JSON."""
    manager = Resmgr.Manager.new()
    monitor = Resmgr.Monitor.new(manager)
    assert monitor.get_service() == manager
    assert monitor.get_context() == GLib.MainContext.default()
    monitor.set_sampler(lambda *d: 123456)
    monitor.set_interval(0)
    assert monitor.get_interval() == 0
    monitor.set_history_size(8)
    assert monitor.get_history_size() == 8
    monitor.set_report_history_size(4)
    assert monitor.get_report_history_size() == 4
    monitor.set_age_threshold(3600)
    assert monitor.get_age_threshold() == 3600
    monitor.set_growth_threshold(1 << 20)
    assert monitor.get_growth_threshold() == 1 << 20

    comp = Component()
    manager.register_component(comp, "py-monitored")
    manager.track_resource(comp, Resmgr.ResourceType.MEMORY, "buf", 512, -1, None,
                           lambda r, *d: True)
    iterate_pending()
    monitor.sample_now()
    monitor.sample_now()
    assert monitor.get_n_samples() == 2
    assert monitor.get_rss() == 123456
    ok, time, rss, n_resources, size, n_components = monitor.get_sample(1)
    assert ok and rss == 123456 and n_resources == 1 and size == 512 and n_components == 1
    assert monitor.get_growth() == 0.0

    components = monitor.get_components()
    resources = monitor.get_resources()
    iterate_until(lambda: components.get_n_items() == 1 and resources.get_n_items() == 1)
    mc = components.get_item(0)
    assert (mc.get_id(), mc.get_n_resources(), mc.get_bytes()) == ("py-monitored", 1, 512)
    assert mc.get_n_leaks() == 0 and mc.get_state() is not None
    mr = resources.get_item(0)
    assert (mr.get_name(), mr.get_bytes(), mr.get_component()) == ("buf", 512, "py-monitored")
    assert mr.get_handle().get_id() == mr.get_id()
    assert mr.get_resource_type() == Resmgr.ResourceType.MEMORY
    assert mr.get_priority() == 20 and mr.get_created() > 0 and mr.get_age() >= 0
    assert mr.get_state() == Resmgr.ResourceState.ACTIVE and not mr.get_leak()

    assert monitor.check_leaks() == []
    manager.cleanup_component(comp)
    iterate_pending()
    assert monitor.get_n_reports() == 1
    report, when = monitor.dup_report(0)
    assert report.get_scope() == "py-monitored" and when > 0
    data = json.loads(monitor.report_to_json(False))
    assert isinstance(data, dict) and data, data


def test_service_notify_by_hand():
    """The five notify functions, called by hand as a service of one's own
    calls them: a monitor attached to the service follows each one."""
    manager = Resmgr.Manager.new()
    monitor = Resmgr.Monitor.new(manager)
    components = monitor.get_components()
    resources = monitor.get_resources()

    resource = Resmgr.ObservedResource()
    resource.id = 0x7ffe00000001
    resource.component_id = "py-hand"
    resource.name = "by hand"
    resource.size = 32
    resource.created = GLib.get_monotonic_time()
    resource.priority = 20
    resource.type = Resmgr.ResourceType.MEMORY
    resource.state = Resmgr.ResourceState.ACTIVE

    manager.notify_component_registered("py-hand")
    manager.notify_resource_tracked(resource)
    iterate_until(lambda: components.get_n_items() == 1 and resources.get_n_items() == 1)
    item = resources.get_item(0)
    assert (item.get_id(), item.get_name(), item.get_component(), item.get_bytes()) == \
        (0x7ffe00000001, "by hand", "py-hand", 32)
    assert components.get_item(0).get_id() == "py-hand"
    assert components.get_item(0).get_n_resources() == 1

    resource.state = Resmgr.ResourceState.RELEASED
    manager.notify_resource_released(resource)
    iterate_until(lambda: resources.get_n_items() == 0)
    assert components.get_item(0).get_n_resources() == 0

    manager.notify_component_removed("py-hand")
    iterate_until(lambda: components.get_n_items() == 0)

    # A report from a real cleanup elsewhere, announced on this service.
    other = Resmgr.Coordinator.new(Resmgr.Manager.new())
    comp = Component()
    other.bind(comp, "py-elsewhere")
    report = other.cleanup_all()
    assert monitor.get_n_reports() == 0
    manager.notify_cleanup_finished(report)
    iterate_until(lambda: monitor.get_n_reports() == 1)
    assert monitor.dup_report(0)[0].get_scope() == "py-elsewhere"


def test_check_handles():
    """Resmgr.test_check_handles compares handles with the names expected
    and fails with a Resmgr.TestError naming what differs."""
    manager = Resmgr.Manager.new()
    comp = Component()
    coordinator = Resmgr.Coordinator.new(manager)
    coordinator.bind(comp, "py-check")
    checkpoint = coordinator.checkpoint()
    for name in ("alpha", "beta"):
        coordinator.track_resource(Resmgr.ResourceType.MEMORY, name, 8, Resmgr.PRIORITY_DEFAULT,
                                   None, lambda r, *d: True)
    gained, lost = coordinator.diff(checkpoint)
    assert Resmgr.test_check_handles(gained, ["beta", "alpha"])
    assert Resmgr.test_error_quark() == GLib.quark_from_string("resmgr-test-error-quark")
    for names, word in ((["alpha"], "beta"), (["alpha", "beta", "gamma"], "gamma")):
        try:
            Resmgr.test_check_handles(gained, names)
        except GLib.Error as e:
            assert e.matches(Resmgr.test_error_quark(), Resmgr.TestError.CHECK_FAILED), e
            assert word in e.message, e.message
        else:
            raise AssertionError("test_check_handles accepted %r" % names)
    assert coordinator.cleanup_all().is_clean()


def test_gtk_without_display():
    """ResmgrGtk's functions that need no display (skipped when
    resmgr-gtk-1 is not built)."""
    if ResmgrGtk is None:
        print("# ResmgrGtk-1.0 not built: skipped")
        return
    # The names of GL object kinds are the enum's nicks (no to_string).
    kind = ResmgrGtk.GLObjectKind.TEXTURE
    assert kind.value_nick == "texture", kind.value_nick
    assert ResmgrGtk.GLObjectKind.VERTEX_ARRAY.value_nick == "vertex-array"


def gtk_with_display():
    """Gtk, initialised, or None (and a note) when there is no display."""
    from gi.repository import Gdk, Gtk  # noqa: E402
    # PyGObject's Gtk.init_check () may say yes with no display at all.
    if not Gtk.init_check() or Gdk.Display.get_default() is None:
        print("# no display: skipped")
        return None
    return Gtk


def test_gtk_widgets():
    """A controller bound to a widget from Python, the resource view, the
    Inspector page registration (skipped without a display)."""
    if ResmgrGtk is None:
        print("# ResmgrGtk-1.0 not built: skipped")
        return
    Gtk = gtk_with_display()
    if Gtk is None:
        return
    manager = Resmgr.Manager.new()
    controller = PyController(service=manager)
    widget = Gtk.Label()
    ResmgrGtk.controller_bind_widget(controller, widget)
    assert ResmgrGtk.controller_get_widget(controller) == widget
    gl = ResmgrGtk.controller_get_gl_coordinator(controller)
    assert isinstance(gl, ResmgrGtk.GLCoordinator) and gl.get_n_pending() == 0
    monitor = Resmgr.Monitor.new(manager)
    view = ResmgrGtk.ResourceView.new(monitor)
    assert view.get_monitor() == monitor
    ResmgrGtk.inspector_page_register()
    report = controller.cleanup()
    assert report.is_clean()



def test_gtk_application_shutdown():
    """A Python GtkApplication with the ordered shutdown attached: a window
    whose label is bound to a controller; start () runs every phase in
    order, the controller's cleanup runs once, the report is clean and the
    JSON lists the phases (skipped without a display)."""
    if ResmgrGtk is None:
        print("# ResmgrGtk-1.0 not built: skipped")
        return
    Gtk = gtk_with_display()
    if Gtk is None:
        return
    manager = Resmgr.Manager.new()
    app = Gtk.Application(application_id="org.resmgr.PyTest",
                          flags=Gio.ApplicationFlags.NON_UNIQUE)
    shutdown = ResmgrGtk.application_attach(app, manager)
    assert ResmgrGtk.application_get_shutdown(app) == shutdown
    assert shutdown.get_service() == manager and shutdown.dup_application() == app
    assert shutdown.get_phase() == ResmgrGtk.ShutdownPhase.NONE
    assert not shutdown.is_running() and shutdown.get_report() is None
    assert shutdown.dup_abandoned() == []
    shutdown.set_phase_timeout(ResmgrGtk.ShutdownPhase.WORKERS, 4321)
    assert shutdown.get_phase_timeout(ResmgrGtk.ShutdownPhase.WORKERS) == 4321
    assert shutdown.get_report_path() is None
    shutdown.set_report_path(None)
    phases, cleanups, holding = [], [], []

    def activate(application):
        window = Gtk.ApplicationWindow(application=application)
        label = Gtk.Label()
        window.set_child(label)
        controller = PyController(service=manager)
        ResmgrGtk.controller_bind_widget(controller, label)
        controller.get_resources().track_resource(
            Resmgr.ResourceType.CUSTOM, "py", 1, Resmgr.PRIORITY_DEFAULT, None,
            lambda r, *d: cleanups.append(threading.get_ident()) or True)
        window.present()
        holding.append(shutdown.is_holding())
        GLib.idle_add(lambda: shutdown.start() or False)

    shutdown.connect("notify::phase", lambda s, p: phases.append(s.get_phase()))
    app.connect("activate", activate)
    assert app.run([]) == 0
    assert phases[0] == ResmgrGtk.ShutdownPhase.WORKERS, phases
    assert phases[-1] == ResmgrGtk.ShutdownPhase.DONE, phases
    assert phases == sorted(phases), phases
    assert cleanups == [threading.main_thread().ident], cleanups
    assert shutdown.get_report().is_clean()
    assert shutdown.get_n_phases() >= 5
    phase, started, duration, overran = shutdown.get_phase_record(0)
    assert phase == ResmgrGtk.ShutdownPhase.WORKERS and not overran
    data = json.loads(shutdown.to_json(False))
    assert data["clean"] is True and data["phases"][0]["name"] == "workers", data
    assert data["phases"][0]["deadline_ms"] == 4321, data


class PyTabController(Resmgr.Controller):
    """A controller whose jobs and cleanups are Python; counts its
    do_cleaned_up calls."""
    __gtype_name__ = "PyTabController"

    def do_cleaned_up(self, report):
        self.cleaned = getattr(self, "cleaned", []) + [(report, threading.get_ident())]


def test_gtk_tab_freed_by_python():
    """A tab (a Python subclass of Gtk.Box) bound to a controller that runs
    Python jobs on pool threads and has a Python cleanup. Its window closed
    and every Python reference dropped, the tab is disposed in its
    wrapper's deallocation, where Python holds the GIL: its "destroy" does
    not clean there (the jobs could not see their cancellation without the
    GIL), the controller is cleaned on the main loop right after, once: a
    clean report, no job abandoned, each Python cleanup once (skipped
    without a display)."""
    if ResmgrGtk is None:
        print("# ResmgrGtk-1.0 not built: skipped")
        return
    Gtk = gtk_with_display()
    if Gtk is None:
        return

    class PyTab(Gtk.Box):
        __gtype_name__ = "PyTestTab"

        def __init__(self, controller):
            super().__init__()
            self.status = Gtk.Label()  # state of its own: PyGObject holds it with a toggle reference
            self.append(self.status)
            controller.bind_property("status", self.status, "label", GObject.BindingFlags.SYNC_CREATE)
            ResmgrGtk.controller_bind_widget(controller, self)

    manager = Resmgr.Manager.new()
    cleanups, outcomes = [], []
    started = [threading.Event(), threading.Event()]

    def job(i):
        def run(worker, cancellable):
            started[i].set()
            idle = threading.Event()
            while not cancellable.is_cancelled():  # needs the GIL
                idle.wait(0.001)
            return None
        return run

    def done(source, result):
        try:
            outcomes.append(source.run_job_finish(result))
        except GLib.Error as e:
            outcomes.append(e)

    def open_tab():
        controller = PyTabController(service=manager)
        window = Gtk.Window()
        tab = PyTab(controller)
        window.set_child(tab)
        window.present()
        controller.get_resources().track_resource(
            Resmgr.ResourceType.CUSTOM, "py-cleanup", 1, Resmgr.PRIORITY_DEFAULT, None,
            lambda r, *d: cleanups.append(threading.get_ident()) or True)
        workers = controller.get_worker_coordinator()
        jobs = [workers.run_job_async("py-job-%d" % i, job(i), None, done) for i in range(2)]
        return window, weakref.ref(tab), controller, jobs

    window, tab_ref, controller, jobs = open_tab()
    for event in started:
        assert event.wait(DEADLINE), "a job did not start"
    iterate_pending()

    window.destroy()
    del window
    gc.collect()
    assert tab_ref() is None, "the tab was not freed"
    assert ResmgrGtk.controller_get_widget(controller) is None
    assert not controller.is_cleaned_up(), "cleaned inside the tab's deallocation"
    assert cleanups == []

    iterate_until(lambda: controller.is_cleaned_up() and len(outcomes) == len(jobs))
    report = controller.dup_report()
    assert report.is_clean(), report.to_json(True)
    assert report.get_failed() == 0, report.to_json(True)
    assert cleanups == [threading.main_thread().ident], cleanups
    assert len(controller.cleaned) == 1 and controller.cleaned[0][1] == threading.main_thread().ident
    for outcome in outcomes:
        assert isinstance(outcome, GLib.Error) and outcome.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED), outcome
    assert [w.get_state() for w in jobs] == [Resmgr.WorkerState.CANCELLED] * len(jobs)
    assert manager.dup_handles(controller.get_id()) == []

    # Nothing runs twice.
    iterate_pending()
    assert len(cleanups) == 1 and len(controller.cleaned) == 1


def test_gtk_gl_without_context():
    """The GL coordinator and its buffer pool from Python, without making
    a GL context (skipped when resmgr-gtk-1 is not built)."""
    if ResmgrGtk is None:
        print("# ResmgrGtk-1.0 not built: skipped")
        return
    manager = Resmgr.Manager.new()
    gl = ResmgrGtk.GLCoordinator.new(manager)
    comp = Component()
    gl.bind(comp, "py-gl")
    assert gl.get_n_pending() == 0 and not gl.is_in_frame()
    pool = ResmgrGtk.GLBufferPool.new(gl, 1 << 20)
    # The coordinator and the budget are properties (no C getters).
    assert pool.props.coordinator == gl
    assert pool.props.budget == 1 << 20
    pool.set_budget(2 << 20)
    assert pool.props.budget == 2 << 20
    assert isinstance(pool.get_stats(), ResmgrGtk.GLBufferPoolStats)
    assert (pool.housekeeping(10), pool.purge(), pool.force_cleanup()) == (0, 0, 0)
    assert gl.cleanup_all().is_clean()

# }}}


# GL from Python, with a real context {{{
#
# GL names are made with ctypes on libepoxy (no PyOpenGL): its entry points
# are function-pointer variables, read at each call (epoxy resolves them on
# first use). They are called with a context of a realized Gtk.GLArea
# current; under Xvfb, Mesa's llvmpipe gives GL 4.5.

GL_TEXTURE_2D = 0x0DE1


class GL:
    def __init__(self):
        import ctypes
        self.ctypes = ctypes
        epoxy = ctypes.CDLL("libepoxy.so.0")
        uint_p = ctypes.POINTER(ctypes.c_uint)

        def func(name, restype, *argtypes):
            pointer = ctypes.c_void_p.in_dll(epoxy, "epoxy_" + name)
            proto = ctypes.CFUNCTYPE(restype, *argtypes)
            return lambda *args: proto(pointer.value)(*args)
        self._create_textures = func("glCreateTextures", None, ctypes.c_uint, ctypes.c_int, uint_p)
        self._create_vertex_arrays = func("glCreateVertexArrays", None, ctypes.c_int, uint_p)
        self._is_texture = func("glIsTexture", ctypes.c_ubyte, ctypes.c_uint)
        self._is_buffer = func("glIsBuffer", ctypes.c_ubyte, ctypes.c_uint)
        self._is_vertex_array = func("glIsVertexArray", ctypes.c_ubyte, ctypes.c_uint)

    def create_textures(self, n):
        names = (self.ctypes.c_uint * n)()
        self._create_textures(GL_TEXTURE_2D, n, names)
        assert all(names), list(names)
        return list(names)

    def create_vertex_array(self):
        name = self.ctypes.c_uint()
        self._create_vertex_arrays(1, self.ctypes.byref(name))
        assert name.value != 0
        return name.value

    def is_texture(self, name):
        return bool(self._is_texture(name))

    def is_buffer(self, name):
        return bool(self._is_buffer(name))

    def is_vertex_array(self, name):
        return bool(self._is_vertex_array(name))


def gl_area_open(Gtk):
    """A window presented with a realized Gtk.GLArea, or (None, None) and a
    note when there is no desktop GL 4.5 context."""
    window = Gtk.Window()
    window.set_default_size(48, 48)
    area = Gtk.GLArea()
    window.set_child(area)
    window.present()
    iterate_until(lambda: area.get_realized() and
                  (area.get_context() is not None or area.get_error() is not None))
    if area.get_error() is not None:
        print("# no GL context (%s): skipped" % area.get_error().message)
        window.destroy()
        return None, None
    area.make_current()
    context = area.get_context()
    major, minor = context.get_version()
    if context.get_use_es() or major * 10 + minor < 45:
        es = " ES" if context.get_use_es() else ""
        print("# GL %d.%d%s: skipped (needs desktop GL 4.5)" % (major, minor, es))
        window.destroy()
        return None, None
    return window, area


def gl_coordinator_in_area(component_id):
    """A GL coordinator bound to a new component as @component_id, attached
    to a realized Gtk.GLArea whose context is current: (Gtk, Gdk, window,
    area, context, gl, coordinator, component), or None (with a note) when
    ResmgrGtk, a display or desktop GL 4.5 is missing."""
    if ResmgrGtk is None:
        print("# ResmgrGtk-1.0 not built: skipped")
        return None
    Gtk = gtk_with_display()
    if Gtk is None:
        return None
    from gi.repository import Gdk  # noqa: E402
    window, area = gl_area_open(Gtk)
    if window is None:
        return None
    coordinator = ResmgrGtk.GLCoordinator.new(Resmgr.Manager.new())
    comp = Component()
    coordinator.bind(comp, component_id)
    coordinator.attach_area(area)
    context = area.get_context()
    context.make_current()
    return Gtk, Gdk, window, area, context, GL(), coordinator, comp


def move_area(Gtk, area, to):
    """Moves @area to the window @to and waits until it is realized there
    with a new context; returns that context, current."""
    old = area.get_context()
    area.get_root().set_child(None)
    to.set_child(area)
    iterate_until(lambda: area.get_realized() and area.get_context() is not None and area.get_context() != old)
    area.make_current()
    return area.get_context()


def test_gtk_gl_coordinator_with_context():
    """The GL coordinator with a real context from Python: released names
    wait for flush, which waits for the frame's end; a re-creatable object's
    Python create function runs again in the new context after the attached
    area moved to another window, and no more once the area is detached;
    the cleanup deletes what is left (checked with glIs* in the context)."""
    setup = gl_coordinator_in_area("py-gl-context")
    if setup is None:
        return
    Gtk, Gdk, window, area, context, gl, coordinator, comp = setup
    kind = ResmgrGtk.GLObjectKind

    t1, t2, t3 = gl.create_textures(3)
    ids = [coordinator.track(context, kind.TEXTURE, name, 64, "texture %d" % name) for name in (t1, t2, t3)]
    assert all(ids) and len(set(ids)) == 3, ids
    assert [coordinator.get_name(i) for i in ids] == [t1, t2, t3]

    # A release queues the name; flush deletes it.
    coordinator.release(ids[0])
    assert coordinator.get_n_pending() == 1 and gl.is_texture(t1)
    assert coordinator.flush()
    assert coordinator.get_n_pending() == 0
    assert not gl.is_texture(t1) and gl.is_texture(t2)

    # In a frame, even a flush waits for the frame's end.
    assert not coordinator.is_in_frame()
    assert coordinator.begin_frame()
    assert coordinator.is_in_frame()
    coordinator.release(ids[1])
    assert coordinator.flush()
    assert coordinator.get_n_pending() == 1 and gl.is_texture(t2)
    coordinator.end_frame()
    assert not coordinator.is_in_frame()
    assert coordinator.get_n_pending() == 0
    context.make_current()
    assert not gl.is_texture(t2) and gl.is_texture(t3)

    # A re-creatable vertex array, made by Python in the context given.
    created = []

    def create(ctx, tag):
        assert Gdk.GLContext.get_current() == ctx
        name = gl.create_vertex_array()
        created.append((ctx, tag, name))
        return name
    vao_id = coordinator.track_recreatable(context, kind.VERTEX_ARRAY, 0, "vao", create, "py-tag")
    assert vao_id != 0
    assert [(c, t) for c, t, n in created] == [(context, "py-tag")], created
    assert coordinator.get_name(vao_id) == created[0][2] and gl.is_vertex_array(created[0][2])

    # The area moves to another window: re-created in the new context.
    second = Gtk.Window()
    second.present()
    context = move_area(Gtk, area, second)
    assert len(created) == 2, created
    assert created[1][0] == context and created[1][1] == "py-tag"
    assert coordinator.get_name(vao_id) == created[1][2]
    assert coordinator.get_context_for(vao_id) == context
    assert gl.is_vertex_array(coordinator.get_name(vao_id))
    assert gl.is_texture(t3)  # shareable: carried over

    # A create function that raises: track_recreatable fails with its error.
    def refuse(ctx, *data):
        raise GLib.Error("no vertex array today", "resmgr-error-quark", 1)
    try:
        coordinator.track_recreatable(context, kind.VERTEX_ARRAY, 0, "refused", refuse)
    except GLib.Error as e:
        assert e.message == "no vertex array today", e.message
    else:
        raise AssertionError("a create function's error was lost")

    # Detached, the area's next move re-creates nothing.
    coordinator.detach_area(area)
    context = move_area(Gtk, area, window)
    assert len(created) == 2, created

    report = coordinator.cleanup_all()
    assert report.is_clean(), report.to_json(True)
    context.make_current()
    assert not gl.is_texture(t3)
    assert coordinator.get_n_pending() == 0
    Gdk.GLContext.clear_current()
    second.destroy()
    window.destroy()
    iterate_pending()


def test_gtk_gl_buffer_pool_with_context():
    """The GL buffer pool with a real context from Python: a released
    buffer or texture is lent again (a hit, same name), a name is given back
    once, a purge deletes the idle names (glIsBuffer/glIsTexture false)."""
    setup = gl_coordinator_in_area("py-gl-pool")
    if setup is None:
        return
    Gtk, Gdk, window, area, context, gl, coordinator, comp = setup
    pool = ResmgrGtk.GLBufferPool.new(coordinator, 1 << 20)

    buffer = pool.acquire_buffer(context, 1024)
    assert buffer != 0 and gl.is_buffer(buffer)
    other = pool.acquire_buffer(context, 1024)
    assert other not in (0, buffer)  # lent out: not lent twice
    assert pool.release_buffer(buffer)
    assert not pool.release_buffer(buffer)  # given back once
    assert pool.acquire_buffer(context, 1024) == buffer
    assert pool.release_buffer(buffer) and pool.release_buffer(other)

    texture = pool.acquire_texture(context, 16, 16, 0)
    assert texture != 0 and gl.is_texture(texture)
    assert pool.release_texture(texture)
    assert not pool.release_texture(texture)
    assert pool.acquire_texture(context, 16, 16, 0) == texture
    assert pool.acquire_texture(context, 8, 8, 0) not in (0, texture)  # another size: a miss
    assert not pool.release_buffer(texture)  # not a buffer it lent
    assert pool.release_texture(texture)

    stats = pool.get_stats()
    assert (stats.hits, stats.misses) == (2, 4), (stats.hits, stats.misses)
    assert (stats.n_pooled, stats.n_in_use) == (3, 1), (stats.n_pooled, stats.n_in_use)

    assert pool.purge() == 3
    coordinator.flush()
    context.make_current()
    assert not gl.is_buffer(buffer) and not gl.is_buffer(other) and not gl.is_texture(texture)
    assert pool.get_stats().n_pooled == 0

    report = coordinator.cleanup_all()
    assert report.is_clean(), report.to_json(True)
    Gdk.GLContext.clear_current()
    window.destroy()
    iterate_pending()

# }}}


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
    test_controller_vfuncs,
    test_controller_status,
    test_job_progress_on_main_loop,
    test_job_cancel_worker,
    test_job_cancel_cancellable,
    test_job_cancel_all_async,
    test_job_failures,
    test_subprocess_job,
    test_worker_coordinator_settings,
    test_track_python_objects,
    test_report_json,
    test_handle_and_metadata,
    test_stats,
    test_coordinator_callbacks_and_checkpoints,
    test_service_async_and_phases,
    test_monitor,
    test_gtk_without_display,
    test_gtk_widgets,
    test_gtk_application_shutdown,
    test_gtk_tab_freed_by_python,
    test_gtk_gl_without_context,
    test_service_notify_by_hand,
    test_check_handles,
    test_gtk_gl_coordinator_with_context,
    test_gtk_gl_buffer_pool_with_context,
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
    print("# %d introspected methods and functions called" % len(CALLED))
    path = os.environ.get("RESMGR_PY_CALLS")
    if path:
        with open(path, "w") as f:
            json.dump(sorted(CALLED), f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
