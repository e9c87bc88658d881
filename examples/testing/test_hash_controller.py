#!/usr/bin/python3
# test_hash_controller.py: the testing example in Python, with unittest.
#
# The same controller as hash-controller.c (a worker hashing a file, a
# progress timer, a read buffer freed last) written in Python, its job run by
# the controller's worker coordinator (run_job_async), and the same
# tests: run a job, cancel it, drop the controller while it runs; assert
# the checkpoint diff, the cleanup order and that nothing leaked, through
# Resmgr.TestService. A second class calls every public function of the
# test service from Python.
#
# Run with GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing at a build of resmgr
# (or with resmgr installed): /usr/bin/python3 test_hash_controller.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import functools
import gc
import hashlib
import os
import shutil
import tempfile
import unittest
import weakref

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
gi.require_version("Resmgr", "1.0")
from gi.repository import Gio, GLib, GObject, Resmgr  # noqa: E402

BUFFER_SIZE = 64 * 1024


class Buffer(GObject.Object):
    def __init__(self):
        super().__init__()
        self.data = bytearray(BUFFER_SIZE)


def hash_job(path, buffer):
    """The job, run on a pool thread of the worker coordinator: hashes
    @path, reading into @buffer, and stops when cancelled. Returns the
    digest (the coordinator ends a cancelled job CANCELLED whatever it
    returns, as GTask's check-cancellable does)."""
    def job(worker, cancellable):
        checksum = hashlib.sha256()
        with open(path, "rb") as stream:
            while not cancellable.is_cancelled() and (n := stream.readinto(buffer.data)) > 0:
                checksum.update(buffer.data[:n])
        return checksum.hexdigest()
    return job


class HashController(Resmgr.Controller):
    """Hashes a file in a job of its worker coordinator; emits "done" on its
    owner context."""

    __gtype_name__ = "ExampleHashController"
    __gsignals__ = {"done": (GObject.SignalFlags.RUN_LAST, None, ())}

    def __init__(self, service):
        super().__init__(service=service)
        # Its worker coordinator from the start (a facet is made on first
        # use): its own cleanup entry is not something a job adds.
        self.get_worker_coordinator()
        self.worker = self.read_buffer = None
        self.digest = None
        self.error = None
        self.timer = self.buffer = 0

    def start(self, path):
        resources = self.get_resources()
        # Watched objects are held weakly: the controller keeps them alive.
        self.read_buffer = buffer = Buffer()
        self.buffer = resources.track_object(Resmgr.ResourceType.MEMORY, "read buffer",
                                             BUFFER_SIZE, Resmgr.PRIORITY_DEFAULT, buffer,
                                             lambda obj, *data: True, None)
        # Bound callbacks get their target: an unbound function keeps no
        # reference to the controller.
        self.timer = resources.timeout_add("progress tick", 100, self, HashController._tick, None)
        # The job's WORKER resource belongs to the controller: cleaning it
        # cancels the job and waits for it before the timer and the buffer.
        # The completion holds the controller weakly (a dropped controller
        # gets nothing).
        self.worker = self.get_worker_coordinator().run_job_async(
            "hash " + os.path.basename(path), hash_job(path, buffer), None,
            functools.partial(HashController._job_done, weakref.ref(self)))
        return self.worker

    def cancel(self):
        if self.worker is not None:
            self.worker.cancel()

    @staticmethod
    def _tick(target, *data):
        target.set_status("hashing")
        return GLib.SOURCE_CONTINUE

    @staticmethod
    def _job_done(ref, workers, result):
        # On the owner context; never after the controller was dropped.
        try:
            digest, error = workers.run_job_finish(result), None
        except GLib.Error as e:
            digest, error = None, e
        self = ref()
        if self is None:
            return
        resources = self.get_resources()
        for rid in (self.timer, self.buffer):
            if rid != 0:
                resources.release(rid)
        self.timer = self.buffer = 0
        self.worker = self.read_buffer = None
        self.digest, self.error = digest, error
        self.emit("done")


class HashControllerTest(unittest.TestCase):
    def setUp(self):
        self.service = Resmgr.TestService.new()
        self.controller = HashController(self.service)
        self.controller.connect("done", self._on_done)
        self.done = False
        self.dir = tempfile.mkdtemp(prefix="hash-test-")
        self.fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(self.fifo)
        self.writer = None

    def tearDown(self):
        self.controller = None
        gc.collect()
        # Whatever the test did, the controller left nothing behind.
        self.service.check_no_leaks(None)
        if self.writer is not None:
            os.close(self.writer)
        shutil.rmtree(self.dir)

    def _on_done(self, controller):
        self.done = True

    def wait_done(self):
        while not self.done:
            GLib.MainContext.default().iteration(True)

    def open_writer(self, worker):
        """Once our end is open, the job is blocked in a read we control;
        when the worker is cancelled, its input ends."""
        worker.get_cancellable().connect(self._close_writer, None)
        self.writer = os.open(self.fifo, os.O_WRONLY)
        os.write(self.writer, b"some data")

    def _close_writer(self, *args):
        os.close(self.writer)
        self.writer = None

    def diff(self, checkpoint):
        gained, lost = self.controller.get_resources().diff(checkpoint)
        return gained

    def test_run(self):
        resources = self.controller.get_resources()
        before = resources.checkpoint()
        path = os.path.join(self.dir, "file")
        with open(path, "wb") as f:
            f.write(b"hello")

        self.controller.start(path)
        # The outcome waits for the owner to iterate: all three are held.
        Resmgr.test_check_handles(self.diff(before), ["hash file", "progress tick", "read buffer"])
        self.wait_done()

        self.assertEqual(self.controller.digest, hashlib.sha256(b"hello").hexdigest())
        Resmgr.test_check_handles(self.diff(before), [])
        # The timer and the buffer were released by the controller, on its owner.
        self.service.check_cleanup_order(self.controller.get_id(),
                                         ["progress tick", "read buffer"])

    def test_cancel(self):
        before = self.controller.get_resources().checkpoint()
        worker = self.controller.start(self.fifo)
        self.open_writer(worker)

        self.controller.cancel()
        self.wait_done()
        self.assertIsNone(self.controller.digest)
        self.assertTrue(self.controller.error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))
        self.assertEqual(worker.get_state(), Resmgr.WorkerState.CANCELLED)
        Resmgr.test_check_handles(self.diff(before), [])

    def test_drop_while_running(self):
        component_id = self.controller.get_id()
        worker = self.controller.start(self.fifo)
        self.open_writer(worker)

        self.controller = None
        gc.collect()

        self.service.check_cleanup_order(component_id,
                                         ["hash fifo", "progress tick", "read buffer"])
        cleanups = [c for c in self.service.dup_calls() if c.get_method() == "cleanup"]
        self.assertTrue(all(c.get_on_owner() for c in cleanups))
        self.service.check_no_leaks(component_id)
        self.assertFalse(self.done)  # nothing reached the dropped controller


class Component(GObject.Object):
    pass


class TestServiceApiTest(unittest.TestCase):
    """Every public function of Resmgr.TestService and Resmgr.TestCall,
    called from Python."""

    def test_records(self):
        service = Resmgr.TestService.new()
        self.assertIsInstance(service, Resmgr.Service)
        self.assertIsInstance(service.get_manager(), Resmgr.Manager)
        comp = Component()
        self.assertTrue(service.register_component(comp, "py"))
        rid = service.add_cleanup(comp, "cb", 70, lambda res, *data: True, None)

        self.assertEqual(service.dup_methods(), "register_component,add_cleanup")
        self.assertEqual(service.get_n_calls(), 2)
        self.assertEqual(service.count_calls("add_cleanup"), 1)
        calls = service.dup_calls()
        self.assertEqual(len(calls), 2)
        call = service.dup_call(1)
        self.assertEqual(call.get_method(), "add_cleanup")
        self.assertEqual(call.get_component_id(), "py")
        self.assertEqual(call.get_name(), "cb")
        self.assertEqual(call.get_resource_type(), Resmgr.ResourceType.CUSTOM)
        self.assertEqual(call.get_priority(), 70)
        self.assertEqual(call.get_id(), rid)
        self.assertIsNone(call.get_error())
        self.assertTrue(call.get_thread_name())
        self.assertTrue(call.get_on_test_thread())
        self.assertTrue(call.get_on_owner())
        self.assertIsNone(service.dup_call(2))

        service.clear_calls()
        self.assertEqual(service.get_n_calls(), 0)
        self.assertTrue(service.release(rid))
        self.assertEqual(service.dup_cleanup_order(None), ["cb"])
        service.check_cleanup_order("py", ["cb"])
        service.check_no_leaks(None)

    def test_faults(self):
        service = Resmgr.TestService.new()
        comp = Component()
        service.register_component(comp, "f")

        refusal = GLib.Error.new_literal(Resmgr.error_quark(), "no room",
                                         int(Resmgr.Error.SHUTTING_DOWN))
        service.fail_next("track", 1, refusal)
        with self.assertRaises(GLib.Error) as raised:
            service.add_cleanup(comp, "refused", 50, lambda res, *data: True, None)
        self.assertEqual(raised.exception.message, "no room")
        self.assertEqual(service.dup_call(1).get_error().message, "no room")

        service.fail_cleanup("flaky", GLib.Error.new_literal(Resmgr.error_quark(), "stuck",
                                                             int(Resmgr.Error.CLEANUP_FAILED)))
        service.add_cleanup(comp, "flaky", 50, lambda res, *data: True, None)
        report = service.cleanup_component(comp)
        self.assertEqual(report.get_n_failures(), 1)

        service.set_shutting_down(True)
        self.assertTrue(service.is_shutting_down())
        service.clear_faults()
        self.assertFalse(service.is_shutting_down())

        service.overrun_cleanup("slow")
        service.add_cleanup(comp, "slow", 50, lambda res, *data: True, None)
        report = service.shutdown(20)
        self.assertEqual(report.get_n_overruns(), 1)

    def test_stepped_context(self):
        service = Resmgr.TestService.new()
        context = service.get_context()
        comp = Component()
        context.push_thread_default()
        service.register_component(comp, "stepped")
        context.pop_thread_default()
        service.add_cleanup(comp, "later", 50, lambda res, *data: True, None)

        service.cleanup_component_async(comp, None, None, None)
        self.assertEqual(service.dup_cleanup_order("stepped"), [])
        self.assertTrue(service.step())
        service.run_until_idle()
        self.assertEqual(service.dup_cleanup_order("stepped"), ["later"])
        self.assertFalse(service.step())

    def test_check_messages(self):
        service = Resmgr.TestService.new()
        comp = Component()
        service.register_component(comp, "HashController-1")
        service.add_cleanup(comp, "progress tick", 90, lambda res, *data: True, None)
        with self.assertRaises(GLib.Error) as raised:
            service.check_no_leaks("HashController-1")
        self.assertTrue(raised.exception.matches(Resmgr.test_error_quark(),
                                                 Resmgr.TestError.CHECK_FAILED))
        self.assertIn('component HashController-1 still holds 1 resource:\n'
                      '  custom "progress tick"', raised.exception.message)
        with self.assertRaises(GLib.Error) as raised:
            Resmgr.test_check_handles(service.dup_handles(None), ["digest"])
        self.assertIn('missing:    "digest"', raised.exception.message)
        with self.assertRaises(GLib.Error) as raised:
            service.check_cleanup_order(None, ["progress tick"])
        self.assertIn('never cleaned: "progress tick"', raised.exception.message)


if __name__ == "__main__":
    unittest.main(verbosity=2)
