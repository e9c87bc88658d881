# checksum_tab.py: the Checksums tab, in Python: widgets bound to a
# ChecksumController. Not one line of resource management: the controller
# owns everything, and ResmgrGtk.controller_bind_widget ties its life to the
# tab's (destroying the tab cleans the controller up).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi

gi.require_version("Gtk", "4.0")
gi.require_version("ResmgrGtk", "1.0")
from gi.repository import GLib, GObject, Gtk, Pango, ResmgrGtk  # noqa: E402

from checksum_controller import ChecksumController  # noqa: E402

SYNC = GObject.BindingFlags.SYNC_CREATE


def _factory(setup, bind, unbind=None):
    factory = Gtk.SignalListItemFactory()
    factory.connect("setup", lambda f, item: item.set_child(setup()))
    factory.connect("bind", lambda f, item: bind(item.get_child(), item.get_item()))
    if unbind is not None:
        factory.connect("unbind", lambda f, item: unbind(item.get_child()))
    return factory


def _label(xalign=0.0, css=()):
    return Gtk.Label(xalign=xalign, ellipsize=Pango.EllipsizeMode.END, css_classes=list(css))


# A running job: its name and a progress bar bound to its worker.
def _worker_row():
    row = Gtk.Box(spacing=12)
    row.append(Gtk.Label(xalign=0.0, ellipsize=Pango.EllipsizeMode.MIDDLE, width_chars=32, max_width_chars=32))
    row.append(Gtk.ProgressBar(hexpand=True, valign=Gtk.Align.CENTER))
    return row


def _worker_bind(row, worker):
    label, bar = row.get_first_child(), row.get_last_child()
    label.set_label(worker.get_name())
    row.binding = worker.bind_property("progress", bar, "fraction", SYNC)


def _worker_unbind(row):
    row.binding.unbind()
    row.binding = None


def _checksum_bind(label, result):
    label.set_label(result.error or result.checksum)
    label.set_tooltip_text(result.error)
    if result.error:
        label.add_css_class("error")
    else:
        label.remove_css_class("error")


def _choose_folder(button, controller):
    dialog = Gtk.FileChooserNative(title="Choose a Folder to Hash", action=Gtk.FileChooserAction.SELECT_FOLDER,
                                   transient_for=button.get_root(), modal=True)

    def response(dialog, response):
        if response == Gtk.ResponseType.ACCEPT:
            controller.start(dialog.get_file())
        button.dialog = None
    dialog.connect("response", response)
    dialog.show()
    # GTK does not keep a shown FileChooserNative alive: the button does.
    button.dialog = dialog


class ChecksumTab(Gtk.Box):
    """A folder chooser, a Cancel button, the status, a progress bar for the
    run and one per running job, and the results in a column view."""

    __gtype_name__ = "PyChecksumTab"

    def __init__(self, service=None):
        super().__init__(orientation=Gtk.Orientation.VERTICAL, spacing=6,
                         margin_top=6, margin_bottom=6, margin_start=6, margin_end=6)
        self.controller = controller = ChecksumController(service=service)
        ResmgrGtk.controller_bind_widget(controller, self)

        # Handlers capture the controller, never the tab: the tab is freed
        # as soon as its window lets it go.
        header = Gtk.Box(spacing=6)
        choose = Gtk.Button(label="_Hash a Folder…", use_underline=True)
        choose.connect("clicked", _choose_folder, controller)
        cancel = Gtk.Button(label="_Cancel", use_underline=True)
        cancel.connect("clicked", lambda button: controller.cancel())
        status = Gtk.Label(xalign=0.0, hexpand=True, ellipsize=Pango.EllipsizeMode.END)
        controller.bind_property("status", status, "label", SYNC)
        for child in (choose, cancel, status):
            header.append(child)
        self.append(header)

        total = Gtk.ProgressBar(show_text=True)
        controller.bind_property("progress", total, "fraction", SYNC)
        self.append(total)

        self.append(Gtk.Label(label="Running jobs", xalign=0.0, css_classes=["heading"]))
        jobs = Gtk.ListView(model=Gtk.NoSelection(model=controller.workers),
                            factory=_factory(_worker_row, _worker_bind, _worker_unbind))
        self.append(Gtk.ScrolledWindow(child=jobs, min_content_height=96))

        self.results = Gtk.ColumnView(model=Gtk.NoSelection(model=controller.results))
        for title, setup, bind, expand in (
                ("Name", _label, lambda label, r: (label.set_label(r.name), label.set_tooltip_text(r.path)), False),
                ("Size", lambda: _label(1.0, ["numeric"]), lambda label, r: label.set_label(GLib.format_size(r.size)), False),
                ("SHA-256 or Error", lambda: _label(css=["monospace"]), _checksum_bind, True)):
            self.results.append_column(Gtk.ColumnViewColumn(title=title, factory=_factory(setup, bind),
                                                            expand=expand, resizable=True))
        self.append(Gtk.ScrolledWindow(child=self.results, vexpand=True))
