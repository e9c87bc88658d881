#!/usr/bin/env bash
# run-tests.sh [MESON-TEST-ARGS...]: build resmgr and run its test suite.
#
# Installs missing Debian packages (scripts/ensure-deps.sh), configures the build
# directory (or reuses it), compiles, and runs `meson test --print-errorlogs` with any
# extra arguments passed through. Without a $DISPLAY the tests run with a virtual X
# server (Xvfb), and always with a private session bus (dbus-daemon) when available.
# Ends with one line "N passed, N failed" (", N skipped" if any) and exits non-zero if
# the build or any test failed.
#
# Environment:
#   RESMGR_BUILDDIR        build directory (default: _build)
#   RESMGR_MESON_ARGS      extra `meson setup` options, e.g. "-Db_sanitize=address"
#   RESMGR_SKIP_DEPS=1     do not check or install Debian packages
#   RESMGR_CORE_ONLY=1     resmgr-1 alone (-Dgtk=disabled), with only its packages:
#                          what a GLib daemon or tool needs, no GTK installed
#   RESMGR_SUMMARY_PREFIX  text printed before the summary line
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1

builddir=${RESMGR_BUILDDIR:-_build}
read -r -a setup_args <<<"${RESMGR_MESON_ARGS:-}"
if [ -n "${RESMGR_CORE_ONLY:-}" ]; then
  setup_args+=(-Dgtk=disabled)
fi
prefix=${RESMGR_SUMMARY_PREFIX:-}

if [ -x /usr/bin/python3 ]; then
  python=/usr/bin/python3
else
  python=python3
fi

summary () {
  "$python" "$top/scripts/test-summary.py" --prefix "$prefix" "$@"
}

# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

bash "$top/scripts/ensure-deps.sh" || exit 1

if ! resmgr_build "$builddir" "${setup_args[@]}"; then
  echo "run-tests: the build in $builddir failed (counted as one failure)" >&2
  summary --extra-failed 1
  exit 1
fi

logdir="$builddir/meson-logs"
trap resmgr_stop_session EXIT
trap 'exit 130' INT TERM
resmgr_start_session "$logdir"

# testlog.json, or testlog-<setup or wrapper>.json when such options are passed
rm -f "$logdir"/testlog*.json
meson test -C "$builddir" --print-errorlogs "$@" </dev/null
rc=$?
resmgr_stop_session

shopt -s nullglob
summary "$logdir"/testlog*.json
exit $rc
