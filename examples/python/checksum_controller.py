# checksum_controller.py: the demo's Checksums controller, in Python.
#
# It computes the SHA-256 of every file of a folder, one job per file on the
# pool of its Resmgr.WorkerCoordinator, and owns everything a run uses: the
# jobs are WORKER resources of the controller, so cancelling it, cleaning it
# up (its tab destroyed, the application's ordered shutdown) stops them all,
# once. The tab (checksum_tab.py) only shows its lists and properties.
#
# The jobs are Python functions run on pool threads (PyGObject takes the
# GIL; hashlib and file reads release it, so two files are really hashed at
# once). A job touches only its own input and its worker; every outcome and
# every notification arrives on the main loop.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import hashlib

import gi

gi.require_version("Gio", "2.0")
gi.require_version("Resmgr", "1.0")
from gi.repository import Gio, GLib, GObject, Resmgr  # noqa: E402

BLOCK_SIZE = 64 * 1024
LIST_ATTRIBUTES = ",".join([
    Gio.FILE_ATTRIBUTE_STANDARD_NAME,
    Gio.FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME,
    Gio.FILE_ATTRIBUTE_STANDARD_TYPE,
    Gio.FILE_ATTRIBUTE_STANDARD_SIZE,
])


class ChecksumResult(GObject.Object):
    """One file's outcome: its SHA-256 (lower-case hex), or the message of
    the error that stopped it."""

    __gtype_name__ = "PyChecksumResult"

    name = GObject.Property(type=str, flags=GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY)
    path = GObject.Property(type=str, flags=GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY)
    size = GObject.Property(type=GObject.TYPE_UINT64, flags=GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY)
    checksum = GObject.Property(type=str, flags=GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY)
    error = GObject.Property(type=str, flags=GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY)


# The jobs (pool threads) {{{

def _list_job(folder):
    """Lists the files to hash: the regular ones, and the symbolic links
    that lead to a regular file or nowhere (those fail with their error)."""
    def job(worker, cancellable):
        entries = []
        enumerator = folder.enumerate_children(LIST_ATTRIBUTES, Gio.FileQueryInfoFlags.NONE, cancellable)
        for info in enumerator:
            # Links are followed: one whose target is missing stays a
            # SYMBOLIC_LINK, kept so that its error shows.
            kind = info.get_file_type()
            if kind == Gio.FileType.REGULAR:
                size = info.get_size()
            elif kind == Gio.FileType.SYMBOLIC_LINK:
                size = 0
            else:
                continue
            entries.append((info.get_display_name(), folder.get_child(info.get_name()), size))
        enumerator.close(cancellable)
        entries.sort(key=lambda e: e[0])
        # Any Python value travels in a GValue holding a PyObject.
        return GObject.Value(GObject.TYPE_PYOBJECT, entries)
    return job


def _hash_job(path, listed_size):
    """Streams @path through SHA-256 in blocks, checking the cancellable
    between blocks and reporting progress through the worker."""
    def job(worker, cancellable):
        checksum = hashlib.sha256()
        buffer = bytearray(BLOCK_SIZE)
        view = memoryview(buffer)
        done = 0
        shown = -1
        try:
            with open(path, "rb") as stream:
                size = max(listed_size, 0)
                while (n := stream.readinto(buffer)) > 0:
                    # Cancelled: stop. The job ends CANCELLED whatever it
                    # returns (GTask's check-cancellable).
                    if cancellable.is_cancelled():
                        return None
                    checksum.update(view[:n])
                    done += n
                    permille = min(1000, done * 1000 // size) if size > 0 else 0
                    if permille != shown:  # not one main-loop wake-up per block
                        shown = permille
                        worker.set_progress(permille / 1000)
        except OSError as e:
            # A GLib.Error returned fails the job with it (an exception
            # raised would fail it too, as G_IO_ERROR_FAILED, with a traceback).
            code = Gio.io_error_from_errno(e.errno) if e.errno else Gio.IOErrorEnum.FAILED
            return GLib.Error.new_literal(Gio.io_error_quark(), f"Cannot read {path}: {e.strerror}", code)
        worker.set_progress(1.0)
        # A size may need more than 32 bits: a tuple, in a PyObject GValue.
        return GObject.Value(GObject.TYPE_PYOBJECT, (checksum.hexdigest(), done))
    return job

# }}}


class _Run:
    """The bookkeeping of one run, on the main loop. Outcomes of a run that
    is no longer the controller's are dropped."""

    def __init__(self, folder):
        self.folder = folder
        self.cancellable = Gio.Cancellable()
        self.listing = True
        self.cancelled = False
        self.pending = 0        # jobs not called back
        self.jobs = []          # [worker, weight, handler ids] of the jobs not over
        self.total_weight = 0.0
        self.done_weight = 0.0


class ChecksumController(Resmgr.Controller):
    """The controller behind the Checksums tab.

    start(folder) lists the folder in a job, then hashes each file in its
    own job. `results` (a Gio.ListModel of ChecksumResult, in the order the
    files finished), `workers` (the Resmgr.Worker of the jobs that run now),
    `progress` (weighted by size), `n-files`, `n-done`, `n-failed` and the
    controller's `status` are what a view shows; ::finished(cancelled) is
    emitted once per run. Main thread only."""

    __gtype_name__ = "PyChecksumController"
    __gsignals__ = {"finished": (GObject.SignalFlags.RUN_LAST, None, (bool,))}

    def __init__(self, **properties):
        super().__init__(**properties)
        self.results = Gio.ListStore(item_type=ChecksumResult)
        self.workers = Gio.ListStore(item_type=Resmgr.Worker)
        self._run = None
        self._progress = 0.0
        self._n_files = self._n_done = self._n_failed = 0

    # The coordinator that runs the jobs is the controller's resources.
    def do_create_coordinator(self, service):
        return Resmgr.WorkerCoordinator(service=service)

    # After the cleanup (which cancelled every job) a run still going ends
    # now; late outcomes are dropped.
    def do_cleaned_up(self, report):
        self._drop_run()

    @GObject.Property(type=float, minimum=0.0, maximum=1.0, flags=GObject.ParamFlags.READABLE)
    def progress(self):
        return self._progress

    @GObject.Property(type=int, flags=GObject.ParamFlags.READABLE)
    def n_files(self):
        return self._n_files

    @GObject.Property(type=int, flags=GObject.ParamFlags.READABLE)
    def n_done(self):
        return self._n_done

    @GObject.Property(type=int, flags=GObject.ParamFlags.READABLE)
    def n_failed(self):
        return self._n_failed

    # Public API {{{

    def start(self, folder):
        """Hashes every file of @folder (a Gio.File); a run still going is
        cancelled first (its ::finished is emitted now)."""
        self._drop_run()
        self.results.remove_all()
        self._set_counts(0, 0, 0)
        self._set_progress(0.0)
        if self.is_cleaned_up():
            self.set_status("Closed")
            return
        run = self._run = _Run(folder)
        run.pending = 1
        self.get_worker_coordinator().run_job_async("list " + folder.get_basename(), _list_job(folder),
                                                    run.cancellable, self._listed, run)
        self._update_status()

    def cancel(self):
        """Cancels the current run: every job stops between two blocks and
        leaves no result; ::finished follows once all of them are over."""
        run = self._run
        if run is None or run.cancelled:
            return
        run.cancelled = True
        run.cancellable.cancel()
        self._update_status()

    # }}}

    def _listed(self, workers, result, run):
        try:
            entries, error = workers.run_job_finish(result), None
        except GLib.Error as e:
            entries, error = None, e
        if run is not self._run:
            return
        run.pending -= 1
        run.listing = False
        if entries is not None and not run.cancelled:
            self._set_counts(len(entries), 0, 0)
            for name, file, size in entries:
                self._queue(run, name, file, size)
        elif error is not None and not error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
            self.results.append(ChecksumResult(name=run.folder.get_basename(), path=run.folder.get_path(),
                                               size=0, error=error.message))
            self._set_counts(self._n_files, self._n_done, self._n_failed + 1)
        self._job_over(run)

    def _queue(self, run, name, file, size):
        weight = size + 1.0  # empty files count too
        run.total_weight += weight
        run.pending += 1
        job = [None, weight, ()]
        worker = self.get_worker_coordinator().run_job_async(
            "sha256 " + name, _hash_job(file.get_path(), size), run.cancellable,
            self._hashed, (run, job, name, file, size))
        job[0] = worker
        job[2] = (worker.connect("notify::state", self._worker_changed, run),
                  worker.connect("notify::progress", self._worker_changed, run))
        run.jobs.append(job)

    def _worker_changed(self, worker, pspec, run):
        if run is not self._run:
            return
        # Shown while it runs (a job can report progress before its RUNNING
        # state is notified); it leaves the list when its outcome arrives.
        if (worker.get_state() == Resmgr.WorkerState.RUNNING or pspec.name == "progress") \
                and not worker.is_done() and not self.workers.find(worker)[0]:
            self.workers.append(worker)
        self._update_progress()

    def _hashed(self, workers, result, data):
        run, job, name, file, size = data
        worker, weight, handlers = job
        try:
            (checksum, size), error = workers.run_job_finish(result), None
        except GLib.Error as e:
            checksum, error = None, e
        for handler in handlers:
            worker.disconnect(handler)
        if run is not self._run:
            return
        run.pending -= 1
        run.jobs.remove(job)
        found, position = self.workers.find(worker)
        if found:
            self.workers.remove(position)
        # A cancelled job leaves no result.
        if error is None or not error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
            run.done_weight += weight
            self.results.append(ChecksumResult(name=name, path=file.get_path(), size=size, checksum=checksum,
                                               error=error.message if error is not None else None))
            self._set_counts(self._n_files, self._n_done + 1, self._n_failed + (error is not None))
        self._update_progress()
        self._job_over(run)

    def _job_over(self, run):
        self._update_status()
        if run.pending == 0:
            self._run = None
            self._update_progress(over=not run.cancelled)
            self._update_status(run)
            self.emit("finished", run.cancelled)

    def _drop_run(self):
        """Ends the current run now: its jobs are cancelled, their late
        outcomes dropped, and ::finished is emitted (cancelled)."""
        run, self._run = self._run, None
        if run is None:
            return
        run.cancelled = True
        run.cancellable.cancel()
        self.workers.remove_all()
        self._update_status(run)
        self.emit("finished", True)

    # State and notifications {{{

    def _set_counts(self, n_files, n_done, n_failed):
        for prop, attr, value in (("n-files", "_n_files", n_files), ("n-done", "_n_done", n_done),
                                  ("n-failed", "_n_failed", n_failed)):
            if getattr(self, attr) != value:
                setattr(self, attr, value)
                self.notify(prop)

    def _set_progress(self, progress):
        if progress != self._progress:
            self._progress = progress
            self.notify("progress")

    def _update_progress(self, over=False):
        run = self._run
        if over:
            self._set_progress(1.0)
        elif run is not None and run.total_weight > 0:
            weight = run.done_weight + sum(w.get_progress() * job_weight for w, job_weight, _ in run.jobs)
            self._set_progress(min(1.0, weight / run.total_weight))

    def _update_status(self, ended=None):
        run = self._run or ended
        if run is None:
            return
        cancelling = "Cancelling… " if run.cancelled else ""
        if run is ended:
            word = "Cancelled" if run.cancelled else "Done"
            self.set_status(f"{word}: {self._n_done} of {self._n_files} files hashed, {self._n_failed} failed")
        elif run.listing:
            self.set_status(cancelling + "Listing files…")
        else:
            self.set_status(f"{cancelling}{self._n_done} of {self._n_files} files hashed, {self._n_failed} failed")

    # }}}
