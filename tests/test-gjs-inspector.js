// test-gjs-inspector.js: the GTK Inspector's resmgr page in a JavaScript
// app run with GTK_DEBUG=interactive (tests/meson.build sets it), with no
// call to ResmgrGtk.inspector_page_register(). TAP output.
//
// GTK makes the inspector window, and its pages, in gtk_init(), which a
// GtkApplication runs at startup before the app's own startup handler (and
// PyGObject when Gtk is imported; here: Gtk.init_check() below): before
// anything of libresmgr-gtk-1 is loaded
// (GObject introspection opens a library at the first use of one of its
// symbols, not at the import of its namespace). The page must appear in
// that window once the app uses ResmgrGtk.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk?version=4.0';
import Resmgr from 'gi://Resmgr?version=1.0';
import ResmgrGtk from 'gi://ResmgrGtk?version=1.0';

import system from 'system';

print('1..1');
if (GLib.getenv('GTK_DEBUG') !== 'interactive' || !Gtk.init_check()) {
    print('ok 1 # SKIP needs GTK_DEBUG=interactive and a display');
    system.exit(0);
}

function inspectorTopStack() {
    const inspectorType = GObject.type_from_name('GtkInspectorWindow');
    for (const window of Gtk.Window.list_toplevels()) {
        if (!GObject.type_is_a(window.constructor.$gtype, inspectorType))
            continue;
        const walk = widget => {
            if (widget instanceof Gtk.StackSwitcher && widget.get_stack()?.get_child_by_name('objects'))
                return widget.get_stack();
            for (let child = widget.get_first_child(); child; child = child.get_next_sibling()) {
                const found = walk(child);
                if (found)
                    return found;
            }
            return null;
        };
        return walk(window);
    }
    return null;
}

try {
    const top = inspectorTopStack();
    if (top === null)
        throw new Error('no inspector window after importing Gtk with GTK_DEBUG=interactive');
    if (top.get_child_by_name('resmgr') !== null)
        throw new Error('the page is there before libresmgr-gtk-1 was used: the test proves nothing');

    // What an app does: use ResmgrGtk (here: show a resource view in a
    // window), never calling inspector_page_register.
    const window = new Gtk.Window();
    window.set_child(ResmgrGtk.ResourceView.new(Resmgr.Monitor.new(Resmgr.service_get_default())));
    window.present();

    const context = GLib.MainContext.default();
    for (let i = 0; i < 100 && top.get_child_by_name('resmgr') === null; i++)
        context.iteration(false);
    const page = top.get_child_by_name('resmgr');
    if (page === null)
        throw new Error('the inspector has no resmgr page');
    const title = top.get_page(page).get_title();
    if (title !== 'Resources (resmgr)')
        throw new Error(`page title ${title}`);
    print('ok 1 inspector_page_without_a_call');
    window.destroy();
} catch (e) {
    print('not ok 1 inspector_page_without_a_call');
    print(`# ${e}`);
    system.exit(1);
}
