// checksum-tab.js: the Checksums tab, in JavaScript: widgets bound to a
// ChecksumController. Not one line of resource management: the
// controller owns everything, and ResmgrGtk.controller_bind_widget ties
// its life to the tab's.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Pango from 'gi://Pango';
import Gtk from 'gi://Gtk?version=4.0';
import ResmgrGtk from 'gi://ResmgrGtk?version=1.0';

import {ChecksumController} from './checksum-controller.js';

function labelFactory(bind) {
    const factory = new Gtk.SignalListItemFactory();
    factory.connect('setup', (_f, item) => item.set_child(new Gtk.Label({xalign: 0, ellipsize: Pango.EllipsizeMode.END})));
    factory.connect('bind', (_f, item) => bind(item.get_child(), item.get_item()));
    return factory;
}

export const ChecksumTab = GObject.registerClass({
    GTypeName: 'JsChecksumTab',
}, class ChecksumTab extends Gtk.Box {
    _init(params = {}) {
        super._init({orientation: Gtk.Orientation.VERTICAL, spacing: 6, ...params});
        // The handlers below capture the controller, never `this`: a
        // child's handler that refers to the tab keeps the tab's wrapper,
        // so the tab, alive for ever.
        const controller = this.controller = new ChecksumController();
        ResmgrGtk.controller_bind_widget(controller, this);

        const header = new Gtk.Box({spacing: 6});
        const choose = new Gtk.Button({label: '_Hash a Folder…', use_underline: true});
        choose.connect('clicked', button => {
            const dialog = new Gtk.FileChooserNative({title: 'Choose a Folder to Hash',
                action: Gtk.FileChooserAction.SELECT_FOLDER, transient_for: button.get_root()});
            dialog.connect('response', (d, response) => {
                if (response === Gtk.ResponseType.ACCEPT)
                    controller.start(d.get_file());
            });
            dialog.show();
        });
        const cancel = new Gtk.Button({label: '_Cancel', use_underline: true});
        cancel.connect('clicked', () => controller.cancel());
        const status = new Gtk.Label({xalign: 0, hexpand: true});
        controller.bind_property('status', status, 'label', GObject.BindingFlags.SYNC_CREATE);
        header.append(choose);
        header.append(cancel);
        header.append(status);
        this.append(header);

        const total = new Gtk.ProgressBar({show_text: true});
        controller.bind_property('progress', total, 'fraction', GObject.BindingFlags.SYNC_CREATE);
        this.append(total);

        this.append(new Gtk.Label({label: 'Running jobs', xalign: 0, css_classes: ['heading']}));
        const jobs = new Gtk.ListView({
            model: new Gtk.NoSelection({model: controller.jobs}),
            factory: labelFactory((label, job) => label.set_label(job.name)),
        });
        this.append(new Gtk.ScrolledWindow({child: jobs, min_content_height: 96}));

        const results = new Gtk.ColumnView({model: new Gtk.NoSelection({model: controller.results})});
        const column = (title, bind, expand) => results.append_column(
            new Gtk.ColumnViewColumn({title, factory: labelFactory(bind), expand, resizable: true}));
        column('Name', (label, r) => label.set_label(r.name), false);
        column('Size', (label, r) => label.set_label(GLib.format_size(r.size)), false);
        column('SHA-256 or Error', (label, r) => label.set_label(r.error ?? r.checksum), true);
        this.results = results;
        this.append(new Gtk.ScrolledWindow({child: results, vexpand: true}));
    }
});
