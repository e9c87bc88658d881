#!/usr/bin/env bash
# ensure-deps.sh [EXTRA-PACKAGE...]: install what resmgr needs to build and test
# on Debian 12, plus the extra packages named (the TSan and fuzzing stages pass
# clang-14, libclang-rt-14-dev and llvm-14).
#
# Checks with dpkg-query which packages are missing and installs only those, so a
# second run is fast and quiet. As root it runs `apt-get update` (only when something
# is missing) and `apt-get install --no-install-recommends`. Not as root it prints the
# sudo command to run and exits 1.
#
# Environment: RESMGR_SKIP_DEPS=1 skips everything (for machines that are not Debian
# or that manage their packages otherwise). RESMGR_CORE_ONLY=1 installs only what
# resmgr-1 (the GLib-only library) and its tests need: no GTK, libepoxy, X server
# or GL. RESMGR_DOCUMENTATION=1 adds gi-docgen, for -Ddocumentation=true.
set -euo pipefail

if [ -n "${RESMGR_SKIP_DEPS:-}" ]; then
  exit 0
fi

packages=(
  # toolchain and build system (gcc-12 brings libasan8 and libubsan1 for the sanitizer build)
  gcc
  libc6-dev
  pkg-config
  meson
  ninja-build
  git
  # resmgr-1's libraries
  libglib2.0-dev
  libjson-glib-dev
  # GObject-Introspection and the Python binding used by the GI test
  gobject-introspection
  libgirepository1.0-dev
  gir1.2-glib-2.0
  python3
  python3-gi
  # the JSON Schema validator of tests/test-report-schema.py
  python3-jsonschema
)
if [ -z "${RESMGR_CORE_ONLY:-}" ]; then
  packages+=(
    # resmgr-gtk-1's libraries
    libgtk-4-dev
    libepoxy-dev
    gir1.2-gtk-4.0
    # the JavaScript binding used by tests/test-gjs.js and examples/javascript
    gjs
    # a display, a session bus and software GL for the GTK tests
    xvfb
    xauth
    dbus-daemon
    libgl1-mesa-dri
    libegl-mesa0
  )
fi
if [ -n "${RESMGR_DOCUMENTATION:-}" ]; then
  packages+=(
    # the reference sites (-Ddocumentation=true, the docs stage of .ci/run)
    gi-docgen
  )
fi
packages+=("$@")

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "ensure-deps: not a Debian system (no dpkg-query); make sure the equivalents of these are installed:" >&2
  echo "  ${packages[*]}" >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  case "$status" in
    ii*) ;;
    *) missing+=("$p") ;;
  esac
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-deps: missing packages: ${missing[*]}" >&2
  echo "Install them with:" >&2
  echo "sudo apt-get install --no-install-recommends ${missing[*]}"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/resmgr-ensure-deps.XXXXXX")
trap 'rm -f "$log"' EXIT

echo "ensure-deps: installing ${missing[*]}" >&2
if ! apt-get update -q >"$log" 2>&1; then
  cat "$log" >&2
  echo "ensure-deps: apt-get update failed" >&2
  exit 1
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >"$log" 2>&1; then
  cat "$log" >&2
  echo "ensure-deps: apt-get install failed" >&2
  exit 1
fi
# apt's warnings (not its progress) are worth seeing even on success
grep -E '^(W|E):' "$log" >&2 || true
echo "ensure-deps: done" >&2
