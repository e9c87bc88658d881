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
#   RESMGR_SUMMARY_PREFIX  text printed before the summary line
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1

builddir=${RESMGR_BUILDDIR:-_build}
read -r -a setup_args <<<"${RESMGR_MESON_ARGS:-}"
prefix=${RESMGR_SUMMARY_PREFIX:-}

if [ -x /usr/bin/python3 ]; then
  python=/usr/bin/python3
else
  python=python3
fi

summary () {
  "$python" "$top/scripts/test-summary.py" --prefix "$prefix" "$@"
}

bash "$top/scripts/ensure-deps.sh" || exit 1

if [ -f "$builddir/meson-private/coredata.dat" ]; then
  meson setup --reconfigure "$builddir" "${setup_args[@]}" ||
    meson setup --wipe "$builddir" "${setup_args[@]}"
else
  meson setup "$builddir" "${setup_args[@]}"
fi
rc=$?
if [ $rc -eq 0 ]; then
  meson compile -C "$builddir"
  rc=$?
fi
if [ $rc -ne 0 ]; then
  echo "run-tests: the build in $builddir failed (counted as one failure)" >&2
  summary --extra-failed 1
  exit $rc
fi

# A virtual X server when there is no display, and a private session bus. Started here
# rather than through xvfb-run/dbus-run-session because those do not wait for the
# server or bus to exit: this script returns only once both are gone.
tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/resmgr-run-tests.XXXXXX")
logdir="$builddir/meson-logs"
helper_pids=()

stop_helpers () {
  local pid
  for pid in "${helper_pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${helper_pids[@]}"; do
    wait "$pid" 2>/dev/null
  done
  helper_pids=()
  rm -rf "$tmpdir"
}
trap stop_helpers EXIT
trap 'exit 130' INT TERM

# wait_for_line FILE PID: wait (10 s at most) until FILE has a line or PID died
wait_for_line () {
  local _
  for _ in $(seq 100); do
    if grep -q . "$1" 2>/dev/null; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null 2>&1; then
  Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp \
    3>"$tmpdir/display" </dev/null >"$logdir/xvfb.log" 2>&1 &
  pid=$!
  helper_pids+=("$pid")
  if wait_for_line "$tmpdir/display" "$pid"; then
    DISPLAY=":$(head -n 1 "$tmpdir/display")"
    export DISPLAY
  else
    echo "run-tests: Xvfb did not start (see $logdir/xvfb.log)" >&2
  fi
fi
if command -v dbus-daemon >/dev/null 2>&1; then
  dbus-daemon --session --nofork --nosyslog --print-address=3 \
    3>"$tmpdir/bus" </dev/null >"$logdir/dbus.log" 2>&1 &
  pid=$!
  helper_pids+=("$pid")
  if wait_for_line "$tmpdir/bus" "$pid"; then
    DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$tmpdir/bus")
    export DBUS_SESSION_BUS_ADDRESS
  else
    echo "run-tests: the session bus did not start (see $logdir/dbus.log)" >&2
  fi
fi
# no accessibility bus here: keep GTK from warning about it
export GTK_A11Y=${GTK_A11Y:-none}

# testlog.json, or testlog-<setup or wrapper>.json when such options are passed
rm -f "$logdir"/testlog*.json
meson test -C "$builddir" --print-errorlogs "$@" </dev/null
rc=$?
stop_helpers

shopt -s nullglob
summary "$logdir"/testlog*.json
exit $rc
