#!/usr/bin/env bash
# tests/tsan/run.sh [BUILDDIR]: the non-GTK test suite under ThreadSanitizer,
# with GLib's synchronisation made visible (glib-tsan-shim.so, see README.md).
#
#   1. configures BUILDDIR (default _build-tsan) with clang and
#      -Db_sanitize=thread (introspection, demo and benchmarks off), builds;
#   2. builds the shim (not instrumented) and two instrumented control
#      programs, handoff-selftest and negative-control;
#   3. runs the test executables that need no display under the shim
#      (meson test --wrapper), every TSan report going to BUILDDIR/tsan/logs;
#   4. runs each hand-off scenario of handoff-selftest with the shim (must
#      give no report) and without it (expected to give one: the annotation
#      is needed);
#   5. runs negative-control under the shim: each planted race must be
#      reported.
#
# Prints the number of TSan reports of the suite (must be 0) and the control
# results; writes the three checks (zero-reports, handoff-selftest,
# negative-control) to BUILDDIR/meson-logs/testlog-tsan-checks.json in meson's
# testlog format so that scripts/test-summary.py counts them beside the
# tests. Ends with "N passed, N failed"; exits non-zero if anything failed,
# 77 if clang cannot be installed.
#
# Environment:
#   RESMGR_TSAN_TESTS   space-separated test names (default: the list below)
#   RESMGR_SKIP_DEPS=1  do not check or install Debian packages
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
here=$top/tests/tsan
builddir=${1:-_build-tsan}
if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; else python=python3; fi

# The test executables that need no display (test-controller skips its
# widget tests without one). The GTK, GL and demo suites are not run here.
default_tests="test-manager test-threads test-shutdown test-report test-default test-race"
default_tests+=" test-coordinator test-worker-coordinator test-review test-monitor test-controller"
default_tests+=" test-stress test-owner-context test-review-manager"
read -r -a tests <<<"${RESMGR_TSAN_TESTS:-$default_tests}"

# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

if ! bash "$top/scripts/ensure-deps.sh" clang-14 libclang-rt-14-dev llvm-14; then
  echo "tsan: SKIP: clang-14 and its TSan runtime are not installed and cannot be installed here" >&2
  exit 77
fi
clang=$(command -v clang-14 || command -v clang)
if [ -z "$clang" ]; then
  echo "tsan: SKIP: no clang found after installing clang-14" >&2
  exit 77
fi

logdir_meson="$builddir/meson-logs"
checks="$logdir_meson/testlog-tsan-checks.json"
check_results=()
record () {  # record NAME OK|FAIL
  check_results+=("{\"name\": \"$1\", \"result\": \"$2\"}")
}
write_checks () {
  mkdir -p "$logdir_meson"
  printf '%s\n' "${check_results[@]}" >"$checks"
}
finish () {
  write_checks
  "$python" "$top/scripts/test-summary.py" --prefix "[tsan] " "$logdir_meson"/testlog*.json
  exit "$1"
}

# A build directory configured with another compiler is rebuilt from scratch.
if [ -f "$builddir/meson-info/intro-compilers.json" ] &&
   ! grep -q '"id": "clang"' "$builddir/meson-info/intro-compilers.json"; then
  echo "tsan: $builddir was configured with another compiler; wiping it" >&2
  rm -rf "$builddir"
fi
rm -f "$logdir_meson"/testlog*.json
if ! CC=$clang resmgr_build "$builddir" -Db_sanitize=thread -Db_lundef=false \
       -Dintrospection=disabled -Ddemo=false -Dbenchmarks=false -Dfuzzing=disabled; then
  echo "tsan: the build in $builddir failed" >&2
  record tsan/build FAIL
  finish 1
fi

work="$builddir/tsan"
rm -rf "$work"
mkdir -p "$work/logs" "$work/selftest" "$work/negative"
shim="$top/$work/glib-tsan-shim.so"
read -r -a glib_flags <<<"$(pkg-config --cflags --libs gio-2.0)"
if ! "$clang" -shared -fPIC -O1 -g -fno-omit-frame-pointer -Wall -Wno-unused-parameter -o "$shim" \
       "$here/glib-tsan-shim.c" "${glib_flags[@]}" -ldl ||
   ! "$clang" -fsanitize=thread -O1 -g -rdynamic -o "$work/handoff-selftest" \
       "$here/handoff-selftest.c" "${glib_flags[@]}" ||
   ! "$clang" -fsanitize=thread -O1 -g -o "$work/negative-control" \
       "$here/negative-control.c" "${glib_flags[@]}"; then
  echo "tsan: building the shim or the control programs failed" >&2
  record tsan/build FAIL
  finish 1
fi
cat >"$work/preload" <<EOF
#!/bin/sh
LD_PRELOAD="$shim\${LD_PRELOAD:+:\$LD_PRELOAD}" exec "\$@"
EOF
chmod +x "$work/preload"

# count_reports DIR: TSan reports in the log files of DIR
count_reports () {
  cat "$1"/* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer:'
}

base_options="halt_on_error=0 exitcode=66 second_deadlock_stack=1 history_size=4"
export G_SLICE=always-malloc  # every GLib block a malloc: TSan sees its reuse
unset DISPLAY WAYLAND_DISPLAY  # the suite without a display

# 3. The test suite.
status=0
echo "=== tsan: ${tests[*]} ==="
suite_rc=0
TSAN_OPTIONS="$base_options log_path=$top/$work/logs/tsan suppressions=$here/tsan.supp" \
  meson test -C "$builddir" --no-rebuild --print-errorlogs --timeout-multiplier 4 \
    --wrapper "$top/$work/preload" "${tests[@]}" </dev/null || suite_rc=1
n_reports=$(count_reports "$work/logs")
shopt -s nullglob
suite_logs=("$logdir_meson"/testlog-preload.json)
n_ran=$(cat "${suite_logs[@]}" /dev/null | grep -c '"result"')
if [ "$suite_rc" -ne 0 ]; then
  status=1
  # meson test failed without a failed test in its log (it could not run them)
  if "$python" "$top/scripts/test-summary.py" --exit-status "${suite_logs[@]}" >/dev/null; then
    record tsan/suite FAIL
  fi
fi
if [ "$n_ran" -lt "${#tests[@]}" ]; then
  echo "tsan: only $n_ran of ${#tests[@]} test executables ran" >&2
  record tsan/zero-reports FAIL
  status=1
elif [ "$n_reports" -eq 0 ]; then
  record tsan/zero-reports OK
else
  record tsan/zero-reports FAIL
  status=1
  echo "--- tsan: the reports (from $work/logs) ---"
  cat "$work"/logs/*
fi

# 4. The hand-off self-test.
selftest_failed=()
needed=0
scenarios=$("$work/handoff-selftest" --list)
for s in $scenarios; do
  mkdir -p "$work/selftest/$s-shim" "$work/selftest/$s-plain"
  TSAN_OPTIONS="$base_options log_path=$top/$work/selftest/$s-shim/tsan suppressions=$here/tsan.supp" \
    timeout 120 "$work/preload" "$work/handoff-selftest" "$s" >/dev/null 2>&1
  rc=$?
  with=$(count_reports "$work/selftest/$s-shim")
  TSAN_OPTIONS="$base_options log_path=$top/$work/selftest/$s-plain/tsan" \
    timeout 120 "$work/handoff-selftest" "$s" >/dev/null 2>&1
  without=$(count_reports "$work/selftest/$s-plain")
  [ "$without" -gt 0 ] && needed=$((needed + 1))
  if [ "$rc" -ne 0 ] || [ "$with" -ne 0 ]; then
    selftest_failed+=("$s")
    cat "$work/selftest/$s-shim"/* 2>/dev/null
  fi
  printf '  handoff %-20s with shim: %d report(s)  without: %d\n' "$s" "$with" "$without"
done
n_scenarios=$(echo "$scenarios" | wc -w)
if [ ${#selftest_failed[@]} -eq 0 ]; then
  record tsan/handoff-selftest OK
else
  record tsan/handoff-selftest FAIL
  status=1
fi

# 5. The negative control: every planted race must be reported.
TSAN_OPTIONS="$base_options suppress_equal_addresses=0 log_path=$top/$work/negative/tsan suppressions=$here/tsan.supp" \
  timeout 120 "$work/preload" "$work/negative-control" >/dev/null 2>&1
planted=$(grep -o 'planted_race_[a-z_]* (' "$here/negative-control.c" | grep -v '_thread\|_cb\|_func' |
          sed 's/ ($//' | sort -u)
caught=0
missed=()
for p in $planted; do
  if cat "$work"/negative/* 2>/dev/null | grep -q "#[0-9]* ${p}[_ ]"; then
    caught=$((caught + 1))
  else
    missed+=("$p")
  fi
done
n_planted=$(echo "$planted" | wc -w)
if [ ${#missed[@]} -eq 0 ] && [ "$n_planted" -gt 0 ]; then
  record tsan/negative-control OK
else
  record tsan/negative-control FAIL
  status=1
fi

echo "tsan: $n_reports ThreadSanitizer report(s) in the test suite (0 expected)"
echo "tsan: hand-off self-test: $((n_scenarios - ${#selftest_failed[@]}))/$n_scenarios scenarios clean under the shim" \
     "($needed of them reported without it)${selftest_failed[*]:+; FAILED: ${selftest_failed[*]}}"
echo "tsan: negative control: $caught/$n_planted planted races reported${missed[*]:+; MISSED: ${missed[*]}}"
finish $status
