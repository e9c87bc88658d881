# scripts/lib.sh: shared by run-tests.sh and run-demo.sh (sourced, not run).

# resmgr_build BUILDDIR [MESON-SETUP-ARGS...]: configure (or reuse) and compile.
resmgr_build () {
  local builddir=$1
  shift
  if [ -f "$builddir/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$builddir" "$@" ||
      meson setup --wipe "$builddir" "$@" || return
  else
    meson setup "$builddir" "$@" || return
  fi
  meson compile -C "$builddir"
}

# wait_for_line FILE PID: wait (10 s at most) until FILE has a line or PID died
_resmgr_wait_for_line () {
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

# resmgr_start_session LOGDIR: a virtual X server when there is no display, and a
# private session bus. Started here rather than through xvfb-run/dbus-run-session
# because those do not wait for the server or bus to exit: resmgr_stop_session
# returns only once both are gone.
_resmgr_session_pids=()
_resmgr_session_tmp=
resmgr_start_session () {
  local logdir=$1 pid
  mkdir -p "$logdir"
  _resmgr_session_tmp=$(mktemp -d "${TMPDIR:-/tmp}/resmgr-session.XXXXXX")
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && command -v Xvfb >/dev/null 2>&1; then
    Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset \
      3>"$_resmgr_session_tmp/display" </dev/null >"$logdir/xvfb.log" 2>&1 &
    pid=$!
    _resmgr_session_pids+=("$pid")
    if _resmgr_wait_for_line "$_resmgr_session_tmp/display" "$pid"; then
      DISPLAY=":$(head -n 1 "$_resmgr_session_tmp/display")"
      export DISPLAY
    else
      echo "resmgr: Xvfb did not start (see $logdir/xvfb.log)" >&2
    fi
  fi
  if command -v dbus-daemon >/dev/null 2>&1; then
    dbus-daemon --session --nofork --nosyslog --print-address=3 \
      3>"$_resmgr_session_tmp/bus" </dev/null >"$logdir/dbus.log" 2>&1 &
    pid=$!
    _resmgr_session_pids+=("$pid")
    if _resmgr_wait_for_line "$_resmgr_session_tmp/bus" "$pid"; then
      DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$_resmgr_session_tmp/bus")
      export DBUS_SESSION_BUS_ADDRESS
    else
      echo "resmgr: the session bus did not start (see $logdir/dbus.log)" >&2
    fi
  fi
  # no accessibility bus here: keep GTK from warning about it
  export GTK_A11Y=${GTK_A11Y:-none}
}

resmgr_stop_session () {
  local pid
  for pid in "${_resmgr_session_pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${_resmgr_session_pids[@]}"; do
    wait "$pid" 2>/dev/null
  done
  _resmgr_session_pids=()
  [ -n "$_resmgr_session_tmp" ] && rm -rf "$_resmgr_session_tmp"
  _resmgr_session_tmp=
}
