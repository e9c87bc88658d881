#!/bin/sh
# bench/run-all.sh [--quick] [BUILDDIR]: every line of issue 13 in one run
#
# Runs bench-churn --suite (the service and coordinator paths against the
# GLib floor, one component at three sizes, two threads against one, the
# monitor attached) and bench-gl-delete (the GL coordinator against raw
# batched glDelete*), and prints their JSON lines on stdout, nothing else.
# bench/README.md says what each line measures and how to read it.
#
# BUILDDIR defaults to _build (relative to the current directory). Without a
# display, bench-gl-delete runs under `xvfb-run -a` when there is one; with
# neither (or without GTK in the build) its line is {"name": "gl-delete",
# "skipped": true, ...}. Exit status: 0, or 1 if a benchmark failed its own
# verification (or did not run); timing never fails the run.
set -u

quick=
if [ "${1:-}" = "--quick" ]; then
  quick=--quick
  shift
fi
builddir=${1:-_build}
churn=$builddir/bench/bench-churn
gl=$builddir/bench/bench-gl-delete
status=0

if [ ! -x "$churn" ]; then
  echo "run-all: $churn not found (build with -Dbenchmarks=true)" >&2
  exit 1
fi
"$churn" --suite $quick || status=1

skip () {
  printf '{"name": "gl-delete", "skipped": true, "reason": "%s"}\n' "$1"
}

if [ ! -x "$gl" ]; then
  skip "built without GTK"
else
  if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    "$gl" $quick
  elif command -v xvfb-run >/dev/null 2>&1; then
    xvfb-run -a "$gl" $quick
  else
    (exit 77)
  fi
  rc=$?
  case $rc in
    0) ;;
    77) skip "no display and no GL context" ;;
    *) status=1 ;;
  esac
fi

exit $status
