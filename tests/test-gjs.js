// test-gjs.js: resmgr from JavaScript (GJS), TAP output.
//
// Run with Debian's gjs (1.74) as an ES module: `gjs -m tests/test-gjs.js`,
// with GI_TYPELIB_PATH pointing at the build directory holding
// Resmgr-1.0.typelib and ResmgrGtk-1.0.typelib and LD_LIBRARY_PATH at the
// one holding the libraries (tests/meson.build sets both).
//
// GJS never runs JavaScript on another thread: a JS function given to
// resmgr_worker_coordinator_run_job_async () is refused with a GError that
// says so (resmgr_worker_coordinator_run () is C only); JS apps run their
// work in a subprocess (run_subprocess_async) — see docs/bindings.md.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Resmgr from 'gi://Resmgr?version=1.0';

import system from 'system';

// A small TAP harness: each test is a function; a thrown error fails it.
const tests = [];
function test(name, func) {
    tests.push([name, func]);
}

function assert(cond, what) {
    if (!cond)
        throw new Error(`assertion failed: ${what}`);
}

function assertEqual(got, expected, what) {
    if (got !== expected)
        throw new Error(`${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
}

function assertThrowsGError(func, domain, code, what) {
    try {
        func();
    } catch (e) {
        if (!(e instanceof GLib.Error))
            throw new Error(`${what}: threw ${e}, not a GLib.Error`);
        assert(e.matches(domain, code), `${what}: ${e.message} matches ${code}`);
        return e;
    }
    throw new Error(`${what}: did not throw`);
}

// Iterates the default main context until cond() holds, at most max
// iterations that each block (so a broken test fails instead of hanging;
// meson's timeout is the backstop).
function iterateUntil(cond, what) {
    const context = GLib.MainContext.default();
    const timeout = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => GLib.SOURCE_CONTINUE);
    try {
        for (let i = 0; i < 300 && !cond(); i++)
            context.iteration(true);
    } finally {
        GLib.source_remove(timeout);
    }
    assert(cond(), `${what} (main loop iterated)`);
}

function note(text) {
    print(`# ${text}`);
}

const JsController = GObject.registerClass({
    GTypeName: 'JsController',
}, class JsController extends Resmgr.Controller {
    _init(params) {
        super._init(params);
        this.cleanedUp = [];
    }

    vfunc_cleaned_up(report) {
        this.cleanedUp.push(JSON.parse(report.to_json(false)));
    }
});

const Watched = GObject.registerClass({GTypeName: 'JsWatched'}, class Watched extends GObject.Object {});

test('controller_subclass_vfuncs', () => {
    const manager = Resmgr.Manager.new();
    const controller = new JsController({service: manager});

    assert(controller instanceof Resmgr.Controller, 'a Resmgr.Controller');
    assert(controller.get_id().startsWith('JsController-'), controller.get_id());
    assert(controller.get_service() === manager, 'get_service');
    const resources = controller.get_resources();
    assert(resources instanceof Resmgr.Coordinator, 'get_resources');
    assertEqual(resources.get_component_id(), controller.get_id(), 'component id');
    assert(controller.get_facet(Resmgr.Coordinator.$gtype) === resources, 'get_facet(Coordinator)');
    const workers = controller.get_worker_coordinator();
    assert(workers instanceof Resmgr.WorkerCoordinator, 'get_worker_coordinator');
    assert(controller.get_facet(Resmgr.WorkerCoordinator.$gtype) === workers, 'get_facet(WorkerCoordinator)');

    controller.set_status('busy with JS');
    assertEqual(controller.dup_status(), 'busy with JS', 'dup_status');
    assertEqual(controller.get_busy(), false, 'get_busy');
    assertEqual(controller.is_cleaned_up(), false, 'is_cleaned_up before');

    const report = controller.cleanup();
    assert(report.is_clean(), 'clean report');
    assertEqual(controller.is_cleaned_up(), true, 'is_cleaned_up after');
    // vfunc_cleaned_up ran once, with the report
    assertEqual(controller.cleanedUp.length, 1, 'vfunc_cleaned_up calls');
    assertEqual(controller.cleanedUp[0].scope, controller.get_id(), 'report scope in the vfunc');
    // idempotent: same report, no second vfunc call
    assertEqual(controller.cleanup().to_json(false), report.to_json(false), 'second cleanup');
    assertEqual(controller.dup_report().get_scope(), controller.get_id(), 'dup_report');
    assertEqual(controller.cleanedUp.length, 1, 'vfunc_cleaned_up calls after a second cleanup');
});

test('controller_create_coordinator_vfunc', () => {
    const Klass = GObject.registerClass({
        GTypeName: 'JsCreatingController',
    }, class JsCreatingController extends Resmgr.Controller {
        vfunc_create_coordinator(service) {
            this.created = (this.created ?? 0) + 1;
            return Resmgr.WorkerCoordinator.new(service);
        }
    });
    const manager = Resmgr.Manager.new();
    const controller = new Klass({service: manager});
    assertEqual(controller.created, 1, 'vfunc_create_coordinator calls');
    assert(controller.get_resources() instanceof Resmgr.WorkerCoordinator, 'the coordinator it made');
    assert(controller.cleanup().is_clean(), 'clean');
});

test('track_js_objects_cleanup_once', () => {
    const manager = Resmgr.Manager.new();
    const controller = new JsController({service: manager});
    const coordinator = controller.get_resources();
    const calls = [];
    const kept = [];

    // Three JS objects with JS cleanups: one released by hand, two by the
    // controller's cleanup; each cleanup runs exactly once.
    const before = coordinator.dup_stats();
    const ids = ['a', 'b', 'c'].map(name => {
        const watched = new Watched();
        kept.push(watched);
        return coordinator.track_object(Resmgr.ResourceType.CUSTOM, `js-${name}`, 100,
            Resmgr.PRIORITY_DEFAULT, watched, () => {
                // The cleanup's first argument is a gpointer: GJS passes
                // null, so a JS cleanup reaches its object by closure.
                calls.push(name);
                return true;
            });
    });
    ids.forEach(id => assert(id !== 0, 'tracked'));
    // (the controller tracks resources of its own: count the difference)
    assertEqual(new Set(ids).size, 3, 'distinct ids');

    const handle = coordinator.lookup(ids[0]);
    assertEqual(handle.get_name(), 'js-a', 'handle name');
    assertEqual(handle.get_id(), ids[0], 'handle id');
    assertEqual(handle.get_component_id(), controller.get_id(), 'handle component');
    assertEqual(handle.get_resource_type(), Resmgr.ResourceType.CUSTOM, 'handle type');
    assertEqual(handle.get_size(), 100, 'handle size');
    assertEqual(handle.get_state(), Resmgr.ResourceState.ACTIVE, 'handle state');

    const stats = coordinator.dup_stats();
    assertEqual(stats.get_count(Resmgr.ResourceType.CUSTOM) - before.get_count(Resmgr.ResourceType.CUSTOM),
        3, 'three tracked');
    assertEqual(stats.get_bytes(Resmgr.ResourceType.CUSTOM) - before.get_bytes(Resmgr.ResourceType.CUSTOM),
        300, 'bytes');

    assert(coordinator.release(ids[0]), 'release');
    assertEqual(calls.join(), 'a', 'released cleanup ran');
    assertThrowsGError(() => coordinator.release(ids[0]), Resmgr.error_quark(), Resmgr.Error.NOT_FOUND,
        'second release');
    assertThrowsGError(() => coordinator.lookup(ids[0]), Resmgr.error_quark(), Resmgr.Error.NOT_FOUND,
        'lookup after release');

    // A cleanup added on the service directly, and a tracked idle.
    manager.add_cleanup(controller, 'js-add-cleanup', 10, () => {
        calls.push('added');
        return true;
    });
    let idles = 0;
    assert(coordinator.idle_add('js-idle', kept[0], () => {
        idles++;
        return GLib.SOURCE_CONTINUE;
    }) !== 0, 'idle_add');
    iterateUntil(() => idles > 0, 'the tracked idle ran');

    const report = controller.cleanup();
    const json = JSON.parse(report.to_json(true));
    assertEqual(json.scope, controller.get_id(), 'scope');
    assertEqual(json.clean, true, 'clean');
    assertEqual(json.released, report.get_released(), 'released in JSON and getter');
    assert(json.released >= 4, `released ${json.released}`);
    assertEqual(json.failed, 0, 'failed');
    assert(Array.isArray(json.phases) && json.phases.length === report.get_n_phases(), 'phases');
    assertEqual(calls.slice().sort().join(), 'a,added,b,c', 'each cleanup ran exactly once');

    // Nothing runs twice: a second cleanup, and iterating, add no call.
    const seenIdles = idles;
    void controller.cleanup();
    GLib.MainContext.default().iteration(false);
    assertEqual(calls.length, 4, 'no cleanup ran again');
    assertEqual(idles, seenIdles, 'the idle was removed by the cleanup');
});

test('cleanup_failure_report', () => {
    const manager = Resmgr.Manager.new();
    const controller = new JsController({service: manager});
    controller.get_resources().track_object(Resmgr.ResourceType.CUSTOM, 'js-fails', 0,
        Resmgr.PRIORITY_DEFAULT, new Watched(), () => false);
    const report = controller.cleanup();
    assertEqual(report.is_clean(), false, 'not clean');
    assertEqual(report.get_failed(), 1, 'failed');
    assertEqual(report.get_n_failures(), 1, 'n_failures');
    const json = JSON.parse(report.to_json(false));
    assertEqual(json.failures.length, 1, 'failures in JSON');
    assert(JSON.stringify(json.failures[0]).includes('js-fails'), JSON.stringify(json.failures[0]));
    // The failure's handle and its error, owned by the report: reading them
    // twice and serialising again afterwards reads nothing freed.
    for (let i = 0; i < 2; i++) {
        assertEqual(report.get_failure(0).get_name(), 'js-fails', 'the failed handle');
        const error = report.get_failure_error(0);
        assert(error instanceof GLib.Error, `the failure's error: ${error}`);
    }
    assertEqual(JSON.parse(report.to_json(false)).failures.length, 1, 'the report is intact');
});

test('monitor', () => {
    const manager = Resmgr.Manager.new();
    const monitor = Resmgr.Monitor.new(manager);
    assert(monitor.get_service() === manager, 'get_service');
    const controller = new JsController({service: manager});
    const watched = new Watched();
    controller.get_resources().track_object(Resmgr.ResourceType.MEMORY, 'js-watched', 4096,
        Resmgr.PRIORITY_DEFAULT, watched, null);

    const resources = monitor.get_resources();
    const components = monitor.get_components();
    assert(resources instanceof Gio.ListModel, 'resources are a GListModel');
    assertEqual(resources.get_item_type(), Resmgr.MonitorResource.$gtype, 'item type');
    const find = (model, pred) => {
        for (let i = 0; i < model.get_n_items(); i++) {
            if (pred(model.get_item(i)))
                return model.get_item(i);
        }
        return null;
    };
    const ours = () => find(resources, r => r.get_name() === 'js-watched');
    iterateUntil(() => ours() !== null && components.get_n_items() === 1,
        'the monitor shows the resource and its component');
    const item = ours();
    assertEqual(item.get_name(), 'js-watched', 'resource name');
    assertEqual(item.get_component(), controller.get_id(), 'resource component');
    assertEqual(item.get_bytes(), 4096, 'resource bytes');
    const comp = components.get_item(0);
    assertEqual(comp.get_id(), controller.get_id(), 'component id');
    assertEqual(comp.get_n_resources(), resources.get_n_items(), 'component resources');

    monitor.sample_now();
    assert(monitor.get_n_samples() >= 1, 'a sample');
    const report = JSON.parse(monitor.report_to_json(false));
    assert(typeof report === 'object' && report !== null, 'monitor report JSON');

    void controller.cleanup();
    iterateUntil(() => ours() === null, 'the monitor drops the released resource');
});

test('worker_job_with_js_function', () => {
    const manager = Resmgr.Manager.new();
    const controller = new JsController({service: manager});
    const workers = controller.get_worker_coordinator();
    assertEqual(workers.get_n_active(), 0, 'n_active');
    assert(workers.get_pool_size() > 0, 'pool size');
    assertEqual(workers.dup_workers().length, 0, 'no workers');

    // A JS function is never run on a pool thread: run_job_async refuses
    // it with a GError naming the problem (run () is C only).
    let ran = false;
    const job = () => {
        ran = true;
        return null;
    };
    let error = null;
    let finished = false;
    try {
        workers.run_job_async('js-job', job, null, (source, result) => {
            try {
                workers.run_job_finish(result);
            } catch (e) {
                error = e;
            }
            finished = true;
        });
        iterateUntil(() => finished, 'the refused job reported');
    } catch (e) {
        error = e;
    }
    assert(error instanceof GLib.Error, `refused with a GLib.Error: ${error}`);
    assert(error.matches(Resmgr.error_quark(), Resmgr.Error.INVALID_ARGUMENT), `${error}`);
    assert(error.message.includes('JavaScript'), error.message);
    assertEqual(ran, false, 'the JS function never ran');
    assertEqual(workers.get_n_active(), 0, 'nothing left running');
    assert(controller.cleanup().is_clean(), 'clean');
});

test('worker_subprocess_job', () => {
    // What JavaScript apps run instead of a JS function: a program, owned
    // by the controller's worker coordinator. Its "progress" and "message"
    // lines reach the worker on the main loop, its other output is the
    // value; cancelled, it is killed and the job ends CANCELLED.
    const manager = Resmgr.Manager.new();
    const controller = new JsController({service: manager});
    const workers = controller.get_worker_coordinator();
    const outcome = [];
    const progress = [];
    const done = (source, result) => {
        try {
            outcome.push(source.run_job_finish(result));
        } catch (e) {
            outcome.push(e);
        }
    };

    let worker = workers.run_subprocess_async('sh',
        ['/bin/sh', '-c', 'echo progress 0.5; echo message half; echo digest'], null, done);
    worker.connect('notify::progress', w => progress.push(w.get_progress()));
    iterateUntil(() => outcome.length > 0, 'the program job finished');
    assertEqual(outcome[0], 'digest\n', 'its output is the value');
    assertEqual(progress[progress.length - 1], 0.5, 'progress seen on the main loop');
    assertEqual(worker.dup_message(), 'half', 'message');
    assertEqual(worker.get_state(), Resmgr.WorkerState.FINISHED, 'finished');

    outcome.length = 0;
    progress.length = 0;
    worker = workers.run_subprocess_async('sleeper',
        ['/bin/sh', '-c', 'echo progress 0.1; exec sleep 600'], null, done);
    worker.connect('notify::progress', w => progress.push(w.get_progress()));
    iterateUntil(() => progress.length > 0, 'the sleeper started');
    worker.cancel();
    iterateUntil(() => outcome.length > 0, 'the cancelled job reported');
    assert(outcome[0] instanceof GLib.Error &&
           outcome[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED), `${outcome[0]}`);
    assertEqual(worker.get_state(), Resmgr.WorkerState.CANCELLED, 'cancelled');
    assert(controller.cleanup().is_clean(), 'clean');
});

test('service_errors_and_default', () => {
    const service = Resmgr.service_get_default();
    assert(service instanceof Resmgr.Service, 'the default service');
    const manager = Resmgr.Manager.new();
    assertEqual(manager.get_wait_timeout(), Resmgr.MANAGER_DEFAULT_WAIT_TIMEOUT, 'wait timeout');
    const owner = new Watched();
    assert(manager.register_component(owner, 'js-owner'), 'register_component');
    assertEqual(manager.dup_component_id(owner), 'js-owner', 'dup_component_id');
    assertThrowsGError(() => manager.release(987654321), Resmgr.error_quark(), Resmgr.Error.NOT_FOUND,
        'release of an unknown id');
    const report = manager.cleanup_component(owner);
    assertEqual(report.get_scope(), 'js-owner', 'scope');
    const shutdown = manager.shutdown(1000);
    assert(shutdown.is_clean(), 'shutdown clean');
});

test('api_sweep_core', () => {
    const manager = Resmgr.Manager.new();
    manager.set_wait_timeout(2000);
    assertEqual(manager.get_wait_timeout(), 2000, 'set_wait_timeout');
    assert(manager.get_context() instanceof GLib.MainContext || manager.get_context() === null, 'Manager.get_context');
    const owner = new Watched();
    const coordinator = Resmgr.Coordinator.new(manager);
    assertEqual(coordinator.is_bound(), false, 'is_bound before');
    assert(coordinator.bind(owner, 'js-sweep'), 'bind');
    assert(coordinator.is_bound(), 'is_bound');
    assert(coordinator.dup_component() === owner, 'dup_component');
    assert(coordinator.get_service() === manager, 'Coordinator.get_service');
    assert(coordinator.get_context() instanceof GLib.MainContext, 'Coordinator.get_context');

    const checkpoint = coordinator.checkpoint();
    const kept = new Watched();
    const id = coordinator.track_object(Resmgr.ResourceType.CUSTOM, 'js-meta', 8, Resmgr.PRIORITY_DEFAULT, kept, null);
    assert(manager.set_metadata(id, new GLib.Variant('a{sv}', {note: new GLib.Variant('s', 'js')})), 'set_metadata');
    const handle = coordinator.lookup(id);
    assertEqual(handle.get_metadata().recursiveUnpack().note, 'js', 'Handle.get_metadata');
    assert(handle.get_created() > 0, 'Handle.get_created');
    assertEqual(handle.get_priority(), Resmgr.resource_type_get_default_priority(Resmgr.ResourceType.CUSTOM),
        'Handle.get_priority (PRIORITY_DEFAULT: the type\'s own)');
    const [gained, lost] = coordinator.diff(checkpoint);
    assert(gained.some(h => h.get_id() === id) && lost.length === 0, 'Coordinator.diff');
    assert(coordinator.mark_process_lifetime(id) && coordinator.is_process_lifetime(id), 'process lifetime');
    assertEqual(coordinator.diff(checkpoint)[0].length, 0, 'a process-lifetime resource is no candidate leak');
    assert(coordinator.dup_handles().some(h => h.get_id() === id), 'Coordinator.dup_handles');
    assert(manager.dup_handles('js-sweep').some(h => h.get_id() === id), 'Service.dup_handles');
    assert(manager.dup_component_ids().includes('js-sweep'), 'dup_component_ids');
    const stats = manager.dup_component_stats('js-sweep');
    assertEqual(stats.get_n_resources(), coordinator.dup_handles().length, 'dup_component_stats');
    assert(stats.get_total_tracked() >= 1 && stats.get_peak_resources() >= 1 && stats.get_total_bytes() >= 8 &&
        stats.get_peak_bytes() >= 8 && stats.get_peak_components() >= 1 && stats.get_total_failed() === 0,
    'Stats getters');
    assertEqual(stats.copy().get_n_resources(), stats.get_n_resources(), 'Stats.copy');

    // A signal handler and a timeout tracked by the coordinator.
    const emitter = new Gio.SimpleAction({name: 'js-action'});
    let activated = 0;
    const handler = emitter.connect('activate', () => activated++);
    assert(coordinator.track_signal_handler(emitter, handler, 'js-handler') !== 0, 'track_signal_handler');
    let ticks = 0;
    assert(coordinator.timeout_add('js-timeout', 1, kept, () => {
        ticks++;
        return GLib.SOURCE_CONTINUE;
    }) !== 0, 'timeout_add');
    let invoked = 0;
    // On the owner thread invoke runs at once (and returns 0: nothing pending).
    assertEqual(coordinator.invoke('js-invoke', kept, () => {
        invoked++;
        return GLib.SOURCE_REMOVE;
    }), 0, 'invoke on the owner thread');
    assertEqual(invoked, 1, 'invoke ran inline');
    iterateUntil(() => ticks > 0 && invoked > 0, 'the timeout and the invoke ran');
    emitter.activate(null);
    assertEqual(activated, 1, 'the handler runs while tracked');

    assertEqual(manager.is_shutting_down(), false, 'is_shutting_down');
    assertEqual(manager.get_deadline(), 0, 'get_deadline outside a shutdown');
    // The async twins, finished on the main loop.
    let report = null;
    manager.cleanup_component_async(owner, null, (source, result) => {
        report = manager.cleanup_component_finish(result);
    });
    iterateUntil(() => report !== null, 'cleanup_component_async finished');
    assertEqual(report.get_scope(), 'js-sweep', 'async report scope');
    assert(report.get_duration() >= 0 && report.get_lost() === 0 && !report.get_timed_out(), 'report getters');
    const [priority] = report.get_phase(0);
    assert(typeof priority === 'number', 'CleanupReport.get_phase');
    assertEqual(report.get_leftovers().length, 0, 'get_leftovers');
    emitter.activate(null);
    assertEqual(activated, 1, 'the handler was disconnected by the cleanup');
    const ticksAfter = ticks;
    GLib.MainContext.default().iteration(false);
    assertEqual(ticks, ticksAfter, 'the timeout was removed by the cleanup');

    let shutdown = null;
    manager.shutdown_async(1000, null, (source, result) => {
        shutdown = manager.shutdown_finish(result);
    });
    iterateUntil(() => shutdown !== null, 'shutdown_async finished');
    assert(shutdown.is_clean(), 'shutdown clean');
});

test('service_notify_by_hand', () => {
    // What a service of one's own does: announce its components and its
    // cleanups; a monitor attached to it follows. (notify_resource_tracked
    // and _released are called from Python only: GJS cannot write the
    // string fields of a Resmgr.ObservedResource.)
    const manager = Resmgr.Manager.new();
    const monitor = Resmgr.Monitor.new(manager);
    const components = monitor.get_components();
    const ids = () => Array.from({length: components.get_n_items()}, (_, i) => components.get_item(i).get_id());
    manager.notify_component_registered('js-hand');
    iterateUntil(() => ids().includes('js-hand'), 'the monitor shows the announced component');
    manager.notify_component_removed('js-hand');
    iterateUntil(() => !ids().includes('js-hand'), 'the monitor drops the removed component');

    const other = Resmgr.Coordinator.new(Resmgr.Manager.new());
    const owner = new Watched();
    other.bind(owner, 'js-elsewhere');
    const report = other.cleanup_all();
    assertEqual(monitor.get_n_reports(), 0, 'no report yet');
    manager.notify_cleanup_finished(report);
    iterateUntil(() => monitor.get_n_reports() === 1, 'the monitor keeps the announced report');
    assertEqual(monitor.dup_report(0)[0].get_scope(), 'js-elsewhere', 'the announced report');
});

test('check_handles', () => {
    // Only with no handles: gjs 1.74 turns a JS array of Resmgr.Handle into
    // a GPtrArray of NULLs (the C function then reads NULL handles); the
    // comparison with real handles is tested from Python.
    assert(Resmgr.test_check_handles([], []), 'nothing expected, nothing there');
    assertEqual(Resmgr.test_error_quark(), GLib.quark_from_string('resmgr-test-error-quark'), 'test_error_quark');
    const e = assertThrowsGError(() => Resmgr.test_check_handles([], ['alpha']),
        Resmgr.test_error_quark(), Resmgr.TestError.CHECK_FAILED, 'a name missing');
    assert(e.message.includes('missing') && e.message.includes('"alpha"'), `the message names it: ${e.message}`);
});

test('api_sweep_workers_and_monitor', () => {
    const manager = Resmgr.Manager.new();
    const controller = new JsController({service: manager});
    const workers = controller.get_worker_coordinator();
    workers.set_pool_size(3);
    assertEqual(workers.get_pool_size(), 3, 'set_pool_size');
    workers.set_cancel_timeout(500);
    assertEqual(workers.get_cancel_timeout(), 500, 'set_cancel_timeout');
    assertEqual(workers.cancel_all(100).length, 0, 'cancel_all with no job');
    let cancelled = null;
    workers.cancel_all_async(100, null, (source, result) => {
        cancelled = workers.cancel_all_finish(result);
    });
    iterateUntil(() => cancelled !== null, 'cancel_all_async finished');

    const monitor = Resmgr.Monitor.new(manager);
    monitor.set_interval(0);
    assertEqual(monitor.get_interval(), 0, 'set_interval');
    monitor.set_history_size(4);
    assertEqual(monitor.get_history_size(), 4, 'set_history_size');
    monitor.set_age_threshold(3600);
    assertEqual(monitor.get_age_threshold(), 3600, 'set_age_threshold');
    monitor.set_growth_threshold(1 << 30);
    assertEqual(monitor.get_growth_threshold(), 1 << 30, 'set_growth_threshold');
    monitor.set_report_history_size(2);
    assertEqual(monitor.get_report_history_size(), 2, 'set_report_history_size');
    monitor.sample_now();
    const [ok, time, rss] = monitor.get_sample(0);
    assert(ok && time > 0 && rss > 0, `get_sample: ${ok} ${time} ${rss}`);
    assert(monitor.get_rss() > 0, 'get_rss');
    assert(monitor.get_growth() >= 0, 'get_growth');
    assertEqual(monitor.check_leaks().length, 0, 'check_leaks');
    assert(controller.cleanup().is_clean(), 'clean');
    iterateUntil(() => monitor.get_n_reports() >= 1, 'the monitor keeps the cleanup report');
    const [report] = monitor.dup_report(0);
    assertEqual(report.get_scope(), controller.get_id(), 'Monitor.dup_report');
});

let Gtk = null, ResmgrGtk = null;
try {
    Gtk = (await import('gi://Gtk?version=4.0')).default;
    ResmgrGtk = (await import('gi://ResmgrGtk?version=1.0')).default;
} catch (e) {
    note(`ResmgrGtk not available: ${e}`);
}
const haveDisplay = Gtk !== null && ResmgrGtk !== null && Gtk.init_check();

test('gtk_resource_view_and_widget', () => {
    if (!haveDisplay) {
        note('SKIP: no ResmgrGtk or no display');
        return;
    }
    const manager = Resmgr.Manager.new();
    const monitor = Resmgr.Monitor.new(manager);
    const view = ResmgrGtk.ResourceView.new(monitor);
    assert(view instanceof Gtk.Widget, 'a widget');
    assert(view.get_monitor() === monitor, 'get_monitor');

    const window = new Gtk.Window({default_width: 300, default_height: 200});
    const tab = new Gtk.Box();
    const controller = new JsController({service: manager});
    ResmgrGtk.controller_bind_widget(controller, tab);
    assert(ResmgrGtk.controller_get_widget(controller) === tab, 'controller_get_widget');
    const box = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL});
    box.append(view);
    box.append(tab);
    window.set_child(box);
    window.present();

    let cleanups = 0;
    controller.get_resources().track_object(Resmgr.ResourceType.WIDGET, 'js-label', 0,
        Resmgr.PRIORITY_DEFAULT, new Watched(), () => {
            cleanups++;
            return true;
        });
    const shown = () => {
        const model = monitor.get_resources();
        for (let i = 0; i < model.get_n_items(); i++) {
            if (model.get_item(i).get_name() === 'js-label')
                return true;
        }
        return false;
    };
    iterateUntil(shown, 'the view\'s monitor shows it');

    // The tab's destruction has the controller cleaned up, once, when the
    // main loop runs next. (A widget made in JS is referenced by its JS
    // wrapper, so window.destroy() alone does not destroy it while the
    // wrapper is reachable: here `tab` still is; run_dispose() destroys it
    // now. The tab freed by a garbage collection: the next test.)
    window.destroy();
    assertEqual(controller.is_cleaned_up(), false, 'the tab lives on in its JS wrapper');
    box.remove(tab);
    tab.run_dispose();
    assertEqual(controller.is_cleaned_up(), false, 'not cleaned inside the tab\'s destruction');
    iterateUntil(() => controller.is_cleaned_up(), 'the controller cleaned on the main loop');
    assertEqual(cleanups, 1, 'cleanup ran once');
    assertEqual(controller.cleanedUp.length, 1, 'vfunc_cleaned_up ran once');
});

test('gtk_tab_freed_by_gc_cleans_on_main_loop', () => {
    if (!haveDisplay) {
        note('SKIP: no ResmgrGtk or no display');
        return;
    }
    // A tab bound to a JS controller that runs a program job and tracks a
    // JS object with a JS cleanup. GTK 4.8's gtk_window_destroy () only
    // drops GTK's reference to the window: with JS wrappers, the window
    // and then the tab are disposed when garbage collections free their
    // wrappers, where GJS runs no JavaScript. The tab's "destroy" only
    // schedules the controller's cleanup, which runs on the main loop, with
    // the JS cleanup and vfunc_cleaned_up, once each.
    const manager = Resmgr.Manager.new();
    const calls = [];
    const outcome = [];
    // Held weakly by the controller: kept alive here, or a collection would
    // drop its entry with no cleanup.
    const watched = new Watched();
    // Everything that refers to the tab stays in this function: once it
    // returns, only the window holds the tab (and its wrapper).
    let [window, controller, worker] = (() => {
        const window = new Gtk.Window({default_width: 200, default_height: 100});
        const tab = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL});
        const controller = new JsController({service: manager});
        const status = new Gtk.Label();
        controller.bind_property('status', status, 'label', GObject.BindingFlags.SYNC_CREATE);
        tab.append(status);
        ResmgrGtk.controller_bind_widget(controller, tab);
        window.set_child(tab);
        window.present();
        controller.get_resources().track_object(Resmgr.ResourceType.CUSTOM, 'js-object', 10,
            Resmgr.PRIORITY_DEFAULT, watched, () => {
                calls.push('js-object');
                // Into the tab's label, gone by now: the binding went with it.
                controller.set_status('closed');
                return true;
            });
        const worker = controller.get_worker_coordinator().run_subprocess_async('sleeper',
            ['/bin/sh', '-c', 'echo progress 0.1; exec sleep 600'], null, (source, result) => {
                try {
                    outcome.push(source.run_job_finish(result));
                } catch (e) {
                    outcome.push(e);
                }
            });
        return [window, controller, worker];
    })();
    iterateUntil(() => worker.get_progress() > 0, 'the program job runs');

    window.destroy();
    window = null;
    assertEqual(controller.is_cleaned_up(), false, 'not cleaned inside the window\'s destruction');
    assertEqual(calls.length, 0, 'no JS cleanup ran yet');
    iterateUntil(() => {
        system.gc();
        return controller.is_cleaned_up();
    }, 'the tab freed by a garbage collection, its controller cleaned on the main loop');
    assert(ResmgrGtk.controller_get_widget(controller) === null, 'the tab let go of its controller');

    const report = controller.dup_report();
    assert(report.is_clean(), `clean: ${report.to_json(false)}`);
    assertEqual(report.get_failed(), 0, 'nothing failed');
    assertEqual(calls.join(), 'js-object', 'the JS cleanup ran once');
    assertEqual(controller.cleanedUp.length, 1, 'vfunc_cleaned_up ran once');
    assertEqual(controller.cleanedUp[0].scope, controller.get_id(), 'with the report');
    iterateUntil(() => outcome.length > 0, 'the program job reported');
    assert(outcome[0] instanceof GLib.Error &&
           outcome[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED), `${outcome[0]}`);
    assertEqual(worker.get_state(), Resmgr.WorkerState.CANCELLED, 'the job ended CANCELLED');
    assertEqual(manager.dup_handles(controller.get_id()).length, 0, 'nothing left tracked');

    // Nothing runs twice.
    for (let i = 0; i < 3; i++) {
        system.gc();
        GLib.MainContext.default().iteration(false);
    }
    assertEqual(calls.length, 1, 'no cleanup ran again');
    assertEqual(controller.cleanedUp.length, 1, 'no second vfunc_cleaned_up');
});

test('gtk_api_sweep', () => {
    if (!haveDisplay) {
        note('SKIP: no ResmgrGtk or no display');
        return;
    }
    // The ordered shutdown, attached to an application that is not run.
    const manager = Resmgr.Manager.new();
    const app = new Gtk.Application({application_id: 'org.example.ResmgrGjsTest'});
    const shutdown = ResmgrGtk.application_attach(app, manager);
    assert(shutdown instanceof ResmgrGtk.ApplicationShutdown, 'application_attach');
    assert(ResmgrGtk.application_attach(app, manager) === shutdown, 'attach twice: the same object');
    assert(ResmgrGtk.application_get_shutdown(app) === shutdown, 'application_get_shutdown');
    assert(shutdown.dup_application() === app, 'dup_application');
    assert(shutdown.get_service() === manager, 'ApplicationShutdown.get_service');
    assertEqual(shutdown.is_running(), false, 'is_running');
    assertEqual(shutdown.is_holding(), false, 'is_holding');
    assertEqual(shutdown.get_n_phases(), 0, 'get_n_phases before a shutdown');
    assertEqual(shutdown.get_report(), null, 'get_report before a shutdown');
    assertEqual(shutdown.get_phase(), ResmgrGtk.ShutdownPhase.NONE, 'get_phase before a shutdown');
    shutdown.set_phase_timeout(ResmgrGtk.ShutdownPhase.WORKERS, 1234);
    assertEqual(shutdown.get_phase_timeout(ResmgrGtk.ShutdownPhase.WORKERS), 1234, 'set_phase_timeout');
    shutdown.set_report_path(null);
    assertEqual(shutdown.get_report_path(), null, 'set_report_path');
    assertEqual(shutdown.dup_abandoned().length, 0, 'dup_abandoned');
    assert(typeof JSON.parse(shutdown.to_json(false)) === 'object', 'ApplicationShutdown.to_json');

    // The GL coordinator needs no display until a GL name is made.
    const controller = new JsController({service: manager});
    const gl = ResmgrGtk.controller_get_gl_coordinator(controller);
    assert(gl instanceof ResmgrGtk.GLCoordinator, 'controller_get_gl_coordinator');
    assertEqual(gl.get_component_id(), controller.get_id(), 'the GL facet is bound to the controller');
    assertEqual(gl.is_in_frame(), false, 'is_in_frame');
    assertEqual(gl.get_n_pending(), 0, 'get_n_pending');
    assertEqual(gl.get_name(987654321), 0, 'GLCoordinator.get_name of an unknown id');
    assert(gl.release_many([]), 'release_many of nothing');
    ResmgrGtk.inspector_page_register();
    assert(controller.cleanup().is_clean(), 'clean');
});

// The inspector page without a register call: tests/test-gjs-inspector.js
// (it needs GTK_DEBUG=interactive from the start).

print(`1..${tests.length}`);
let failed = 0;
tests.forEach(([name, func], i) => {
    try {
        func();
        print(`ok ${i + 1} ${name}`);
    } catch (e) {
        failed++;
        print(`not ok ${i + 1} ${name}`);
        for (const line of `${e}\n${e.stack ?? ''}`.split('\n'))
            print(`# ${line}`);
    }
});
system.exit(failed ? 1 : 0);
