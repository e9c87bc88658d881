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


TESTS = [
    test_track_object_python_cleanup,
    test_add_cleanup_and_report,
    test_watched_object_dies_first,
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
