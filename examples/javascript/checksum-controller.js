// checksum-controller.js: the demo's Checksums controller, in JavaScript.
//
// It owns every resource of a run through resmgr; the tab (checksum-tab.js)
// only shows its lists and properties.
//
// Where the work runs, and why: GJS runs JavaScript on the main thread
// only, so a JS function cannot be a ResmgrWorkerCoordinator job (and
// WorkerCoordinator.run() cannot be called from GJS at all). The hashing
// runs instead in `sha256sum` child processes (Gio.Subprocess), at most
// `parallel` at a time: real parallel work, off the main thread, with the
// main loop only reading their output. Each process is tracked by the
// controller as a WORKER resource whose cleanup kills it; the run's
// GCancellable is tracked too, so cleaning the controller up (its tab
// destroyed, the application's ordered shutdown) stops everything, once.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Resmgr from 'gi://Resmgr?version=1.0';

Gio._promisify(Gio.File.prototype, 'enumerate_children_async');
Gio._promisify(Gio.FileEnumerator.prototype, 'next_files_async');
Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async');

// One file's outcome: its checksum, or the error that stopped it.
export const ChecksumResult = GObject.registerClass({
    GTypeName: 'JsChecksumResult',
    Properties: {
        name: GObject.ParamSpec.string('name', null, null, GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY, null),
        path: GObject.ParamSpec.string('path', null, null, GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY, null),
        size: GObject.ParamSpec.uint64('size', null, null, GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY, 0, Number.MAX_SAFE_INTEGER, 0),
        checksum: GObject.ParamSpec.string('checksum', null, null, GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY, null),
        error: GObject.ParamSpec.string('error', null, null, GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY, null),
    },
}, class ChecksumResult extends GObject.Object {});

// A file being hashed now, for the tab's list of running jobs.
export const ChecksumJob = GObject.registerClass({
    GTypeName: 'JsChecksumJob',
    Properties: {
        name: GObject.ParamSpec.string('name', null, null, GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY, null),
    },
}, class ChecksumJob extends GObject.Object {});

export const ChecksumController = GObject.registerClass({
    GTypeName: 'JsChecksumController',
    Properties: {
        progress: GObject.ParamSpec.double('progress', null, null, GObject.ParamFlags.READABLE, 0, 1, 0),
        'n-files': GObject.ParamSpec.uint('n-files', null, null, GObject.ParamFlags.READABLE, 0, GLib.MAXUINT32, 0),
        'n-done': GObject.ParamSpec.uint('n-done', null, null, GObject.ParamFlags.READABLE, 0, GLib.MAXUINT32, 0),
        'n-failed': GObject.ParamSpec.uint('n-failed', null, null, GObject.ParamFlags.READABLE, 0, GLib.MAXUINT32, 0),
    },
    Signals: {
        finished: {},
    },
}, class ChecksumController extends Resmgr.Controller {
    _init(params = {}) {
        super._init(params);
        this.parallel = 4;
        this.results = new Gio.ListStore({item_type: ChecksumResult});
        this.jobs = new Gio.ListStore({item_type: ChecksumJob});
        this._run = null;
        this._resetCounts();
    }

    get progress() {
        return this._progress;
    }

    get n_files() {
        return this._nFiles;
    }

    get n_done() {
        return this._nDone;
    }

    get n_failed() {
        return this._nFailed;
    }

    _resetCounts() {
        this._progress = 0;
        this._nFiles = 0;
        this._nDone = 0;
        this._nFailed = 0;
        this._bytesTotal = 0;
        this._bytesDone = 0;
    }

    _notifyCounts() {
        this._progress = this._bytesTotal > 0 ? this._bytesDone / this._bytesTotal
            : this._nFiles > 0 ? this._nDone / this._nFiles : 0;
        for (const name of ['progress', 'n-files', 'n-done', 'n-failed'])
            this.notify(name);
    }

    // Hashes every regular file (and symbolic link) of `folder`; a new run
    // cancels the previous one.
    start(folder) {
        this.cancel();
        this.results.remove_all();
        this._resetCounts();
        this._notifyCounts();

        const resources = this.get_resources();
        const cancellable = new Gio.Cancellable();
        const run = {cancellable, queue: [], running: 0, listed: false};
        run.id = resources.track_object(Resmgr.ResourceType.CUSTOM, `run ${folder.get_basename()}`, 0,
            Resmgr.PRIORITY_DEFAULT, cancellable, () => {
                cancellable.cancel();
                return true;
            });
        this._run = run;
        this.set_status(`Listing ${folder.get_basename()}`);
        this._list(run, folder).catch(e => this._listFailed(run, e));
    }

    cancel() {
        const run = this._run;
        if (run === null)
            return;
        // Releasing the run's resource cancels it (its cleanup).
        this.get_resources().release(run.id);
        this._run = null;
        for (const job of run.queue)
            this._nFiles--;
        run.queue = [];
        this._notifyCounts();
        this.set_status('Cancelled');
    }

    async _list(run, folder) {
        const attributes = 'standard::name,standard::display-name,standard::type,standard::is-symlink,standard::size';
        const enumerator = await folder.enumerate_children_async(attributes,
            Gio.FileQueryInfoFlags.NONE, GLib.PRIORITY_DEFAULT, run.cancellable);
        for (;;) {
            const infos = await enumerator.next_files_async(64, GLib.PRIORITY_DEFAULT, run.cancellable);
            if (infos.length === 0)
                break;
            for (const info of infos) {
                const type = info.get_file_type();
                if (type !== Gio.FileType.REGULAR && !info.get_is_symlink())
                    continue;
                run.queue.push({file: folder.get_child(info.get_name()), name: info.get_display_name(),
                    size: info.get_size()});
                this._nFiles++;
                this._bytesTotal += info.get_size();
            }
        }
        enumerator.close(null);
        run.queue.sort((a, b) => a.name.localeCompare(b.name));
        run.listed = true;
        this._notifyCounts();
        this._pump(run);
    }

    _listFailed(run, error) {
        if (run !== this._run)
            return;
        this.set_status(`Cannot list: ${error.message}`);
        this._finish(run);
    }

    _pump(run) {
        while (run === this._run && run.running < this.parallel && run.queue.length > 0)
            this._hash(run, run.queue.shift());
        if (run === this._run && run.listed && run.running === 0 && run.queue.length === 0)
            this._finish(run);
        else if (run === this._run)
            this.set_status(`${this._nDone} of ${this._nFiles} files`);
    }

    _hash(run, entry) {
        const resources = this.get_resources();
        const path = entry.file.get_path();
        let proc;
        try {
            proc = Gio.Subprocess.new(['sha256sum', '--', path],
                Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE);
        } catch (e) {
            this._done(run, entry, null, e.message);
            return;
        }
        run.running++;
        const job = new ChecksumJob({name: entry.name});
        this.jobs.append(job);
        const id = resources.track_object(Resmgr.ResourceType.WORKER, `sha256sum ${entry.name}`, entry.size,
            Resmgr.resource_type_get_default_priority(Resmgr.ResourceType.WORKER), proc, () => {
                proc.force_exit();
                return true;
            });
        proc.communicate_utf8_async(null, run.cancellable).then(([stdout, stderr]) => {
            if (proc.get_successful())
                return [stdout.split(' ')[0], null];
            return [null, stderr.trim().replace(/^sha256sum: /, '') || `sha256sum exited with ${proc.get_exit_status()}`];
        }, e => [null, e]).then(([checksum, error]) => {
            const [found, position] = this.jobs.find(job);
            if (found)
                this.jobs.remove(position);
            run.running--;
            // Already released when the run was cancelled or cleaned up.
            try {
                resources.release(id);
            } catch (e) {
                if (!e.matches?.(Resmgr.error_quark(), Resmgr.Error.NOT_FOUND))
                    throw e;
            }
            if (run !== this._run || run.cancellable.is_cancelled() || error instanceof GLib.Error)
                return; // cancelled: no result
            this._done(run, entry, checksum, error);
        });
    }

    _done(run, entry, checksum, error) {
        this.results.append(new ChecksumResult({name: entry.name, path: entry.file.get_path(), size: entry.size,
            checksum, error}));
        this._nDone++;
        if (error !== null)
            this._nFailed++;
        this._bytesDone += entry.size;
        this._notifyCounts();
        this._pump(run);
    }

    _finish(run) {
        if (run !== this._run)
            return;
        this.get_resources().release(run.id);
        this._run = null;
        this.set_status(`${this._nDone} files, ${this._nFailed} failed`);
        this.emit('finished');
    }
});
