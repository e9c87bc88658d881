#!/bin/sh
# run.sh BUILDDIR SRCDIR SANITIZE [PROGRAM]: installs the build into a
# temporary DESTDIR, compiles a program against the *installed* resmgr-1 with
# pkg-config, as a user would, and runs it (TAP). PROGRAM is "outsider"
# (outsider.c, and the README's C example; the default) or "testing-example"
# (examples/testing/: a controller and its GTest suite, which uses the public
# test service). Skipped in sanitizer builds: a program compiled without
# -fsanitize cannot load an instrumented library.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

builddir=$1
srcdir=$2
sanitize=${3:-none}
program=${4:-outsider}

if [ "$sanitize" != "none" ]; then
  echo "1..0 # SKIP sanitizer build ($sanitize)"
  exit 0
fi

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT INT TERM

meson install -C "$builddir" --destdir "$dest" --no-rebuild --quiet >/dev/null

pc=$(find "$dest" -name resmgr-1.pc | head -n 1)
if [ -z "$pc" ]; then
  echo "Bail out! resmgr-1.pc was not installed"
  exit 1
fi
lib=$(find "$dest" -name 'libresmgr-1.so.*' | head -n 1)

# The installed .pc with its prefix moved into the DESTDIR (its dependencies
# stay the system's).
mkdir "$dest/pkgconfig"
sed "s|^prefix=|prefix=$dest|" "$pc" > "$dest/pkgconfig/resmgr-1.pc"
export PKG_CONFIG_PATH="$dest/pkgconfig"
flags=$(pkg-config --cflags --libs resmgr-1)
case "$flags" in
  *gtk*) echo "Bail out! resmgr-1's flags name GTK: $flags"; exit 1 ;;
esac
export LD_LIBRARY_PATH="$(dirname "$lib")"

if [ "$program" = testing-example ]; then
  example="$srcdir/../../examples/testing"
  if ! ${CC:-cc} -Wall -Werror -o "$dest/test-hash-controller" \
         "$example/test-hash-controller.c" "$example/hash-controller.c" $flags; then
    echo "Bail out! examples/testing does not build against the installed resmgr-1"
    exit 1
  fi
  loaded=$(ldd "$dest/test-hash-controller" | awk '/libresmgr-1/ { print $3 }')
  case "$loaded" in
    "$dest"/*) ;;
    *) echo "Bail out! the example loads $loaded, not the installed library"; exit 1 ;;
  esac
  # Not exec: the trap removes the DESTDIR when it returns.
  "$dest/test-hash-controller" --tap
  exit 0
fi

${CC:-cc} -o "$dest/outsider" "$srcdir/outsider.c" $flags

# The README's C example, as a reader copies it: it must build against
# resmgr-1 alone (no GTK) and run.
readme="$srcdir/../../README.md"
awk '/^```c$/ { f = 1; next } /^```$/ { if (f) exit } f' "$readme" > "$dest/readme-example.c"
if [ ! -s "$dest/readme-example.c" ] ||
   ! ${CC:-cc} -o "$dest/readme-example" "$dest/readme-example.c" $flags; then
  echo "Bail out! the README's C example does not build against resmgr-1"
  exit 1
fi

# The installed library, not the build tree's.
loaded=$(ldd "$dest/outsider" | awk '/libresmgr-1/ { print $3 }')
case "$loaded" in
  "$dest"/*) ;;
  *) echo "Bail out! outsider loads $loaded, not the installed library"; exit 1 ;;
esac

if ! "$dest/readme-example"; then
  echo "Bail out! the README's C example failed"
  exit 1
fi

exec "$dest/outsider" --tap
