#!/usr/bin/env bash
# run-demo.sh [RESMGR-DEMO-ARGS...]: build resmgr and run its demo app.
#
# Installs missing Debian packages (scripts/ensure-deps.sh), configures and builds in
# _build (RESMGR_BUILDDIR), then runs resmgr-demo. With a display it opens the demo
# window; without one (no $DISPLAY or $WAYLAND_DISPLAY) it runs the scripted smoke
# scenario on a virtual X server, saves a screenshot of each tab in
# $builddir/demo-screenshots, prints the JSON shutdown report and exits non-zero if
# anything leaked or failed. Arguments are passed to resmgr-demo (e.g. --scenario smoke).
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1

builddir=${RESMGR_BUILDDIR:-_build}
read -r -a setup_args <<<"${RESMGR_MESON_ARGS:-}"

# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

bash "$top/scripts/ensure-deps.sh" || exit 1
resmgr_build "$builddir" "${setup_args[@]}" || {
  echo "run-demo: the build in $builddir failed" >&2
  exit 1
}

args=("$@")
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$builddir/demo-app/resmgr-demo" "${args[@]}"
fi

echo "run-demo: no display: running the smoke scenario on a virtual X server" >&2
[ ${#args[@]} -eq 0 ] && args=(--scenario smoke --screenshots "$builddir/demo-screenshots")

trap resmgr_stop_session EXIT
trap 'exit 130' INT TERM
resmgr_start_session "$builddir/meson-logs"

"$builddir/demo-app/resmgr-demo" "${args[@]}" </dev/null
rc=$?
resmgr_stop_session
exit $rc
