#!/usr/bin/env -S gjs -m
// main.js: the Checksums tab of the resmgr demo, as a JavaScript app.
//
//   gjs -m main.js             a window with the tab
//   gjs -m main.js --headless  a scripted self-check, TAP output: hashes
//                              real files in a temporary folder and compares
//                              with GLib's SHA-256 of their contents,
//                              cancels a run, checks every cleanup report;
//                              drives the tab too when there is a display.
//
// Needs GI_TYPELIB_PATH/LD_LIBRARY_PATH pointing at resmgr's build when it
// is not installed (tests/meson.build sets them).
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Gtk from 'gi://Gtk?version=4.0';
import Resmgr from 'gi://Resmgr?version=1.0';
import ResmgrGtk from 'gi://ResmgrGtk?version=1.0';

import system from 'system';

import {ChecksumController} from './checksum-controller.js';
import {ChecksumTab} from './checksum-tab.js';

function runApp() {
    const app = new Gtk.Application({application_id: 'org.example.ResmgrChecksumsJs'});
    app.connect('startup', () => ResmgrGtk.application_attach(app, null));
    app.connect('activate', () => {
        const window = new Gtk.ApplicationWindow({application: app, title: 'Checksums (JavaScript)',
            default_width: 720, default_height: 480});
        window.set_child(new ChecksumTab());
        window.present();
    });
    return app.run([system.programInvocationName]);
}

// {{{ The headless self-check

let nTests = 0, failed = 0;
function check(cond, what) {
    nTests++;
    print(`${cond ? 'ok' : 'not ok'} ${nTests} ${what}`);
    if (!cond)
        failed++;
}

function iterateUntil(cond) {
    const context = GLib.MainContext.default();
    const tick = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => GLib.SOURCE_CONTINUE);
    for (let i = 0; i < 1500 && !cond(); i++)
        context.iteration(true);
    GLib.source_remove(tick);
    return cond();
}

function makeFolder() {
    const dir = Gio.File.new_for_path(GLib.dir_make_tmp('resmgr-js-checksums-XXXXXX'));
    const files = {'empty.txt': new Uint8Array(0), 'one.txt': new TextEncoder().encode('1'), 'hello.txt': new TextEncoder().encode('hello resmgr\n')};
    const big = new Uint8Array(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++)
        big[i] = (i * 7 + (i >> 11)) & 0xff;
    files['big.bin'] = big;
    for (let n = 0; n < 9; n++)
        files[`small-${n}.dat`] = new TextEncoder().encode(`file ${n} `.repeat(100 * n + 1));
    for (const [name, bytes] of Object.entries(files))
        bytes.length === 0
            ? dir.get_child(name).create(Gio.FileCreateFlags.NONE, null).close(null)
            : dir.get_child(name).replace_contents(bytes, null, false, Gio.FileCreateFlags.NONE, null);
    dir.get_child('subfolder').make_directory(null);
    dir.get_child('dangling').make_symbolic_link('does-not-exist', null);
    return {dir, files};
}

function removeFolder(dir) {
    const enumerator = dir.enumerate_children('standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
    for (let info; (info = enumerator.next_file(null));)
        dir.get_child(info.get_name()).delete(null);
    dir.delete(null);
}

function results(controller) {
    const byName = {};
    for (let i = 0; i < controller.results.get_n_items(); i++) {
        const r = controller.results.get_item(i);
        byName[r.name] = r;
    }
    return byName;
}

function checkRun(controller, files, label) {
    let finished = 0;
    const id = controller.connect('finished', () => finished++);
    const done = iterateUntil(() => finished > 0);
    controller.disconnect(id);
    check(done && finished === 1, `${label}: the run finished once`);
    const got = results(controller);
    const names = Object.keys(files);
    check(controller.n_files === names.length + 1 && controller.n_done === names.length + 1,
        `${label}: ${controller.n_done} of ${controller.n_files} files done (${names.length} + a dangling link)`);
    let right = 0;
    for (const name of names) {
        const expected = GLib.compute_checksum_for_bytes(GLib.ChecksumType.SHA256, files[name]);
        if (got[name]?.checksum === expected && got[name]?.error === null)
            right++;
        else
            print(`# ${name}: got ${got[name]?.checksum} / ${got[name]?.error}, expected ${expected}`);
    }
    check(right === names.length, `${label}: ${right} of ${names.length} checksums equal GLib's SHA-256 of the contents`);
    check(got.dangling?.error?.includes('No such file') && controller.n_failed === 1,
        `${label}: the dangling link failed with its error (${got.dangling?.error})`);
    check(controller.progress === 1, `${label}: progress is 1`);
    check(controller.jobs.get_n_items() === 0, `${label}: no job left running`);
}

// Shows the tab in a window and checks a run; returns the window and the
// tab's controller, not the tab: only its window refers to it.
function showTab(dir, files) {
    const window = new Gtk.Window({default_width: 720, default_height: 480});
    const tab = new ChecksumTab();
    window.set_child(tab);
    window.present();
    tab.controller.start(dir);
    checkRun(tab.controller, files, 'tab');
    check(tab.results.get_model().get_n_items() === Object.keys(files).length + 1,
        'the tab\'s column view shows every result');
    return [window, tab.controller];
}

function driveTab(dir, files) {
    let [window, controller] = showTab(dir, files);

    // Closing the window in the middle of a run. GTK drops its reference to
    // the window; the window, then the tab, held by nothing but their JS
    // wrappers, are disposed when garbage collections free the wrappers,
    // where GJS runs no JavaScript. The tab's "destroy" only schedules the
    // controller's cleanup, which then runs on the main loop: its
    // JavaScript cleanups kill the processes.
    controller.parallel = 2;
    controller.start(dir);
    check(iterateUntil(() => controller.jobs.get_n_items() > 0), 'tab: a run has processes running');
    let cleanedUp = 0;
    controller.connect('cleaned-up', () => cleanedUp++);
    window.destroy();
    window = null;
    check(!controller.is_cleaned_up(), 'closing the window did not clean the controller inline');
    check(iterateUntil(() => {
        system.gc();
        return controller.is_cleaned_up();
    }), 'the tab, freed by a garbage collection, had its controller cleaned up on the main loop');
    const report = controller.dup_report();
    check(cleanedUp === 1 && report.is_clean() && report.get_released() >= 2,
        `closing the tab: one clean cleanup, ${report.get_released()} released (${report.to_json(false)})`);
    check(iterateUntil(() => controller.jobs.get_n_items() === 0), 'closing the tab: the processes ended');
    check(controller.get_resources().dup_handles().length === 0, 'closing the tab: nothing left tracked');
}

function headless() {
    const {dir, files} = makeFolder();
    const service = Resmgr.Manager.new();

    // The controller alone.
    const controller = new ChecksumController({service});
    const baseline = controller.get_resources().dup_stats().get_n_resources();
    controller.start(dir);
    checkRun(controller, files, 'controller');
    check(controller.get_resources().dup_stats().get_n_resources() === baseline,
        'every process and the run were released when the run finished');

    // Cancel a run while processes run: they are killed, nothing leaks.
    controller.parallel = 2;
    controller.start(dir);
    const started = iterateUntil(() => controller.jobs.get_n_items() > 0);
    check(started, 'a second run has processes running');
    const workers = controller.get_resources().dup_stats().get_count(Resmgr.ResourceType.WORKER);
    check(workers > 0 && workers <= 2, `each running sha256sum is a tracked WORKER (${workers}, parallel 2)`);
    controller.cancel();
    check(iterateUntil(() => controller.jobs.get_n_items() === 0), 'cancelled: the processes ended');
    check(controller.get_resources().dup_stats().get_n_resources() === baseline, 'cancelled: nothing left tracked');
    check(controller.n_done < Object.keys(files).length + 1, `cancelled: ${controller.n_done} files done, not all`);

    // Cleaning up in the middle of a run kills its processes, once.
    controller.parallel = 4;
    controller.start(dir);
    iterateUntil(() => controller.jobs.get_n_items() > 0);
    const report = JSON.parse(controller.cleanup().to_json(false));
    check(report.clean && report.released >= 2, `cleanup mid-run: clean, ${report.released} released`);
    check(iterateUntil(() => controller.jobs.get_n_items() === 0), 'cleanup mid-run: the processes ended');
    const resultsAfter = controller.results.get_n_items();
    GLib.MainContext.default().iteration(false);
    check(controller.results.get_n_items() === resultsAfter, 'cleanup mid-run: no result after the cleanup');

    // The tab, when there is a display: same results in its column view.
    if (Gtk.init_check())
        driveTab(dir, files);
    else
        print('# no display: the tab is not driven');

    const shutdown = service.shutdown(5000);
    check(shutdown.is_clean(), 'the service shuts down clean');
    removeFolder(dir);
    print(`1..${nTests}`);
    return failed ? 1 : 0;
}

// }}}

const status = ARGV.includes('--headless') ? headless() : runApp();
system.exit(status);
