#!/usr/bin/python3
# main.py: the Checksums tab of the resmgr demo, as a Python app.
#
#   python3 main.py [FOLDER]     a window with the tab (hashing FOLDER at once)
#   python3 main.py --headless   a scripted self-check, TAP output: hashes real
#                                files in a temporary folder and compares them
#                                with hashlib's SHA-256, cancels a run, cleans
#                                up in the middle of one; drives the tab too
#                                when there is a display.
#
# Needs GI_TYPELIB_PATH/LD_LIBRARY_PATH pointing at resmgr's build when it is
# not installed (tests/meson.build sets them).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gc
import hashlib
import json
import os
import shutil
import sys
import tempfile
import weakref

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gi  # noqa: E402

gi.require_version("Gio", "2.0")
gi.require_version("Resmgr", "1.0")
from gi.repository import Gio, GLib, Resmgr  # noqa: E402

from checksum_controller import ChecksumController  # noqa: E402


def run_app(argv):
    gi.require_version("Gtk", "4.0")
    gi.require_version("ResmgrGtk", "1.0")
    from gi.repository import Gtk, ResmgrGtk
    from checksum_tab import ChecksumTab

    folder = Gio.File.new_for_commandline_arg(argv[1]) if len(argv) > 1 else None
    app = Gtk.Application(application_id="org.example.ResmgrChecksumsPy")
    # The ordered shutdown: every controller is cleaned up when the app quits.
    app.connect("startup", lambda app: ResmgrGtk.application_attach(app, None))

    def activate(app):
        window = Gtk.ApplicationWindow(application=app, title="Checksums (Python)",
                                       default_width=720, default_height=480)
        tab = ChecksumTab()
        window.set_child(tab)
        window.present()
        if folder is not None:
            tab.controller.start(folder)
    app.connect("activate", activate)
    return app.run(argv[:1])


# The headless self-check {{{

class Tap:
    def __init__(self):
        self.n = self.failed = 0

    def check(self, cond, what):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} {what}", flush=True)
        self.failed += not cond
        return cond


DEADLINE_ITERATIONS = 3000  # main-loop wake-ups (a 20 ms tick at least): a deadline, not a timing


def iterate_until(cond):
    context = GLib.MainContext.default()
    tick = GLib.timeout_add(20, lambda: GLib.SOURCE_CONTINUE)
    for _ in range(DEADLINE_ITERATIONS):
        if cond():
            break
        context.iteration(True)
    GLib.source_remove(tick)
    return cond()


def make_folder():
    """Real files: empty, tiny, a few MB, some small ones; a subfolder
    (skipped) and a dangling link (fails with its error)."""
    path = tempfile.mkdtemp(prefix="resmgr-py-checksums-")
    files = {"empty.txt": b"", "one.txt": b"1", "hello.txt": b"hello resmgr\n",
             "big.bin": bytes((i * 7 + (i >> 11)) & 0xFF for i in range(3 * 1024 * 1024 + 17))}
    for n in range(9):
        files[f"small-{n}.dat"] = (f"file {n} " * (100 * n + 1)).encode()
    for name, data in files.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)
    os.mkdir(os.path.join(path, "subfolder"))
    os.symlink("does-not-exist", os.path.join(path, "dangling"))
    return path, files


ENDLESS = ("a-endless-1.bin", "a-endless-2.bin")
ENDLESS_JOBS = tuple("sha256 " + name for name in ENDLESS)


def make_endless_folder():
    """A folder whose first two files cannot be hashed within the test's
    life: sparse files of a terabyte (zeros to read, no disk used). A run
    over it is still going whenever the check cancels or cleans up, its
    first two jobs running (the pool has two threads) and the others queued
    behind them."""
    path = tempfile.mkdtemp(prefix="resmgr-py-checksums-endless-")
    for name in ENDLESS:
        with open(os.path.join(path, name), "wb") as f:
            f.truncate(1 << 40)
    for n in range(6):
        with open(os.path.join(path, f"b-{n}.txt"), "wb") as f:
            f.write(b"x" * n)
    return path


def results_by_name(controller):
    return {r.name: r for r in controller.results}


def handles(controller):
    return [h.get_name() for h in controller.get_service().dup_handles(controller.get_id())]


def check_run(tap, controller, files, label):
    finished = []
    handler = controller.connect("finished", lambda c, cancelled: finished.append(cancelled))
    done = iterate_until(lambda: finished)
    controller.disconnect(handler)
    tap.check(done and finished == [False], f"{label}: the run finished once, not cancelled ({finished})")
    got = results_by_name(controller)
    n = len(files) + 1
    tap.check(controller.props.n_files == n and controller.props.n_done == n,
              f"{label}: {controller.props.n_done} of {controller.props.n_files} files done "
              f"({len(files)} + a dangling link)")
    right = 0
    for name, data in files.items():
        expected = hashlib.sha256(data).hexdigest()
        r = got.get(name)
        if r is not None and r.checksum == expected and r.error is None and r.size == len(data):
            right += 1
        else:
            print(f"# {name}: got {r and (r.checksum, r.error, r.size)}, expected {expected}")
    tap.check(right == len(files), f"{label}: {right} of {len(files)} checksums (empty and 3 MiB files "
              "included) equal hashlib's SHA-256 of the contents")
    dangling = got.get("dangling")
    tap.check(dangling is not None and dangling.checksum is None and "No such file" in (dangling.error or "")
              and controller.props.n_failed == 1,
              f"{label}: the dangling link failed with its error ({dangling and dangling.error})")
    tap.check(controller.props.progress == 1.0, f"{label}: progress is 1")
    tap.check(controller.workers.get_n_items() == 0, f"{label}: no job left running")
    tap.check(controller.dup_status().startswith("Done:"), f"{label}: status '{controller.dup_status()}'")


def start_endless(tap, controller, folder, label):
    """Starts a run over the endless folder and returns its hashing jobs once
    both endless files are being hashed (both are in the controller's
    list of running jobs, which it fills on the main loop)."""
    controller.start(folder)
    workers = controller.get_worker_coordinator()
    iterate_until(lambda: sorted(w.get_name() for w in controller.workers) == sorted(ENDLESS_JOBS))
    jobs = [w for w in workers.dup_workers() if w.get_name().startswith("sha256 ")]
    running = sorted(w.get_name() for w in jobs if w.get_state() == Resmgr.WorkerState.RUNNING)
    queued = [w for w in jobs if w.get_state() == Resmgr.WorkerState.QUEUED]
    tap.check(running == sorted(ENDLESS_JOBS) and len(queued) == 6,
              f"{label}: the endless files are being hashed ({running}), {len(queued)} jobs queued")
    shown = sorted(w.get_name() for w in controller.workers)
    tap.check(shown == running, f"{label}: the running jobs are the controller's list of workers ({shown})")
    tap.check(set(handles(controller)) >= {w.get_name() for w in jobs},
              f"{label}: every job is tracked for the controller")
    return jobs


def check_cancelled(tap, jobs, label):
    """Every job is over; those that did not finish ended CANCELLED with
    G_IO_ERROR_CANCELLED, the endless ones among them."""
    tap.check(all(w.is_done() for w in jobs), f"{label}: all {len(jobs)} jobs over")
    cancelled = [w for w in jobs if w.get_state() == Resmgr.WorkerState.CANCELLED
                 and w.dup_error().matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)]
    others = [w.get_name() for w in jobs if w not in cancelled and w.get_state() != Resmgr.WorkerState.FINISHED]
    tap.check(not others and {w.get_name() for w in cancelled} >= set(ENDLESS_JOBS),
              f"{label}: {len(cancelled)} jobs ended CANCELLED with G_IO_ERROR_CANCELLED, the endless ones "
              f"included; none ended otherwise ({others})")


def headless():
    path, files = make_folder()
    endless = make_endless_folder()
    try:
        return check_all(path, files, endless)
    finally:
        shutil.rmtree(path)
        shutil.rmtree(endless)


def check_all(path, files, endless):
    tap = Tap()
    folder, endless_folder = Gio.File.new_for_path(path), Gio.File.new_for_path(endless)
    service = Resmgr.Manager.new()

    # A full run: every checksum right; afterwards only the coordinator's
    # own entry is tracked.
    controller = ChecksumController(service=service)
    baseline = handles(controller)
    tap.check(len(baseline) == 1 and baseline[0].endswith(" cleanup"),
              f"before a run, only the coordinator's own entry: {baseline}")
    controller.start(folder)
    tap.check(handles(controller)[1:] == ["list " + os.path.basename(path)], "the listing is a tracked job")
    check_run(tap, controller, files, "controller")
    tap.check(handles(controller) == baseline, "every job was released when the run finished")

    # Cancelling a run while the endless files are being hashed: every job
    # ends CANCELLED, with G_IO_ERROR_CANCELLED; nothing leaks.
    jobs = start_endless(tap, controller, endless_folder, "cancel")
    finished = []
    controller.connect("finished", lambda c, cancelled: finished.append(cancelled))
    controller.cancel()
    tap.check(iterate_until(lambda: finished), "cancel: the run finished")
    tap.check(finished == [True], f"cancel: ::finished said cancelled ({finished})")
    check_cancelled(tap, jobs, "cancel")
    tap.check(not set(ENDLESS) & set(results_by_name(controller)) and controller.props.n_done < controller.props.n_files,
              f"cancel: no result for cancelled jobs ({controller.props.n_done} of {controller.props.n_files} done)")
    tap.check(controller.workers.get_n_items() == 0 and handles(controller) == baseline,
              "cancel: no job left running or tracked")
    tap.check(controller.dup_status().startswith("Cancelled:"), f"cancel: status '{controller.dup_status()}'")

    # Cleaning up in the middle of a run: its jobs are cancelled by the
    # cleanup; the report is clean and nothing is left for the controller.
    jobs = start_endless(tap, controller, endless_folder, "cleanup mid-run")
    component = controller.get_id()
    report = controller.cleanup()
    parsed = json.loads(report.to_json(False))
    tap.check(report.is_clean() and parsed["clean"] and parsed["failed"] == 0 and parsed["lost"] == 0
              and parsed["released"] >= 1, f"cleanup mid-run: clean, {parsed['released']} released")
    tap.check(service.dup_handles(component) == [], "cleanup mid-run: no handle left for the controller's id")
    check_cancelled(tap, jobs, "cleanup mid-run")
    tap.check(controller.workers.get_n_items() == 0, "cleanup mid-run: no job shown")
    results = controller.results.get_n_items()
    iterate_until(lambda: not GLib.MainContext.default().pending())
    tap.check(controller.results.get_n_items() == results, "cleanup mid-run: no result after the cleanup")
    controller.start(folder)
    tap.check(handles(controller) == [] and controller.dup_status() == "Closed",
              "a cleaned-up controller starts nothing")

    drive_tab(tap, service, folder, endless_folder, files)

    tap.check(service.shutdown(5000).is_clean(), "the service shuts down clean")
    print(f"1..{tap.n}")
    return 1 if tap.failed else 0


def drive_tab(tap, service, folder, endless_folder, files):
    """The tab, when there is a display: the same results in its column
    view; closing its window mid-run cleans its controller up."""
    try:
        gi.require_version("Gdk", "4.0")
        gi.require_version("Gtk", "4.0")
        gi.require_version("ResmgrGtk", "1.0")
        from gi.repository import Gdk, Gtk
        from checksum_tab import ChecksumTab
    except (ValueError, ImportError) as e:
        print(f"# no GTK or ResmgrGtk ({e}): the tab is not driven")
        return
    # Not Gtk.init_check(): PyGObject already called it when importing Gtk,
    # and a second call says TRUE even when there is no display.
    if Gdk.Display.get_default() is None:
        print("# no display: the tab is not driven")
        return

    window = Gtk.Window(default_width=720, default_height=480)
    tab = ChecksumTab(service=service)
    window.set_child(tab)
    window.present()
    controller = tab.controller
    controller.start(folder)
    check_run(tap, controller, files, "tab")
    tap.check(tab.results.get_model().get_n_items() == len(files) + 1, "the tab's column view shows every result")

    # Closing the window while the endless files are hashed: once nothing
    # in Python holds the window or the tab, they are disposed, and the
    # tab's "destroy" has its controller cleaned up when the main loop runs
    # next (not inside the tab's deallocation, where Python holds the GIL
    # that the cancelled jobs need to stop).
    jobs = start_endless(tap, controller, endless_folder, "tab")
    component = controller.get_id()
    tab_ref = weakref.ref(tab)
    reports = []
    controller.connect("cleaned-up", lambda c, report: reports.append(report))
    window.destroy()
    del window, tab
    gc.collect()
    tap.check(tab_ref() is None, "the closed tab was freed")
    tap.check(not controller.is_cleaned_up(), "the tab's destruction did not clean its controller inline")
    iterate_until(lambda: controller.is_cleaned_up())
    tap.check(controller.is_cleaned_up() and len(reports) == 1 and reports[0].is_clean(),
              "closing the tab cleaned its controller up, once, clean (no job abandoned: "
              + (reports[0].to_json(False) if reports and not reports[0].is_clean() else "ok") + ")")
    tap.check(service.dup_handles(component) == [], "closing the tab left no handle for its controller")
    check_cancelled(tap, jobs, "closing the tab")

# }}}


if __name__ == "__main__":
    sys.exit(headless() if "--headless" in sys.argv[1:] else run_app(sys.argv))
