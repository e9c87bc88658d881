// Where gi-docgen links to types of other namespaces point.
// The two resmgr sites are installed side by side in $datadir/doc.
baseURLs = [
  [ 'GLib', 'https://docs.gtk.org/glib/' ],
  [ 'GObject', 'https://docs.gtk.org/gobject/' ],
  [ 'Gio', 'https://docs.gtk.org/gio/' ],
  [ 'Gdk', 'https://docs.gtk.org/gdk4/' ],
  [ 'Gsk', 'https://docs.gtk.org/gsk4/' ],
  [ 'Gtk', 'https://docs.gtk.org/gtk4/' ],
  [ 'Pango', 'https://docs.gtk.org/Pango/' ],
  [ 'Resmgr', '../resmgr-1/' ],
  [ 'ResmgrGtk', '../resmgr-gtk-1/' ],
]
