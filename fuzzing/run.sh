#!/usr/bin/env bash
# fuzzing/run.sh [SECONDS] [BUILDDIR]: build the libFuzzer targets and run each
# for a bounded time.
#
#   1. configures BUILDDIR (default _build-fuzz) with clang,
#      -Db_sanitize=address,undefined and -Dc_args=-fsanitize=fuzzer-no-link (so
#      the library is instrumented for coverage), -Dfuzzing=enabled, and builds
#      the targets;
#   2. replays the seed corpus (fuzzing/corpus/<target>/) once;
#   3. fuzzes each target for SECONDS (default 60) from a copy of the seed
#      corpus in BUILDDIR/fuzz-corpus/<target>; any crash, model-check
#      failure, sanitizer report, leak or timeout is a finding and fails.
#
# Prints executions and coverage per target; writes one check per target to
# BUILDDIR/meson-logs/testlog-fuzz.json (meson's testlog format, counted by
# scripts/test-summary.py); ends with "N passed, N failed". Exits non-zero on
# a finding, 77 if clang cannot be installed. A finding is saved as
# BUILDDIR/fuzz-artifacts/<target>/crash-* (or leak-*, timeout-*); replay it
# with: BUILDDIR/fuzzing/<target> FILE
#
# Environment: RESMGR_SKIP_DEPS=1 do not check or install Debian packages;
# RESMGR_FUZZ_JOBS parallel fuzzing processes per target (default 1).
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1
seconds=${1:-60}
builddir=${2:-_build-fuzz}
targets=(fuzz-service)
if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; else python=python3; fi

# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

if ! bash "$top/scripts/ensure-deps.sh" clang-14 libclang-rt-14-dev llvm-14; then
  echo "fuzz: SKIP: clang-14 and its sanitizer runtimes are not installed and cannot be installed here" >&2
  exit 77
fi
clang=$(command -v clang-14 || command -v clang)

logdir="$builddir/meson-logs"
checks="$logdir/testlog-fuzz.json"
results=()
finish () {
  mkdir -p "$logdir"
  printf '%s\n' "${results[@]}" >"$checks"
  "$python" "$top/scripts/test-summary.py" --prefix "[fuzz] " "$checks"
  exit "$1"
}

if [ -f "$builddir/meson-info/intro-compilers.json" ] &&
   ! grep -q '"id": "clang"' "$builddir/meson-info/intro-compilers.json"; then
  echo "fuzz: $builddir was configured with another compiler; wiping it" >&2
  rm -rf "$builddir"
fi
if ! CC=$clang resmgr_build "$builddir" -Db_sanitize=address,undefined -Db_lundef=false \
       -Dc_args=-fsanitize=fuzzer-no-link -Dfuzzing=enabled -Dintrospection=disabled \
       -Ddemo=false -Dtests=false -Dbenchmarks=false; then
  echo "fuzz: the build in $builddir failed" >&2
  results+=('{"name": "fuzz/build", "result": "FAIL"}')
  finish 1
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:print_summary=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:print_summary=1"
export G_SLICE=always-malloc

status=0
for t in "${targets[@]}"; do
  exe="$builddir/fuzzing/$t"
  seeds="$top/fuzzing/corpus/$t"
  corpus="$builddir/fuzz-corpus/$t"
  artifacts="$builddir/fuzz-artifacts/$t"
  log="$builddir/fuzz-$t.log"
  mkdir -p "$corpus" "$artifacts"
  cp "$seeds"/* "$corpus"/ 2>/dev/null
  rm -f "$artifacts"/*

  ok=1
  # The seeds once, as a regression test.
  if ! "$exe" -runs=0 "$seeds" >"$log.seeds" 2>&1; then
    echo "fuzz: $t: a seed input fails:" >&2
    tail -n 40 "$log.seeds" >&2
    ok=0
  fi
  if [ $ok -eq 1 ]; then
    echo "=== fuzz: $t for ${seconds} s ==="
    jobs=()
    if [ "${RESMGR_FUZZ_JOBS:-1}" -gt 1 ]; then
      # libFuzzer then writes each worker's log to fuzz-N.log in the current directory
      jobs=(-jobs="$RESMGR_FUZZ_JOBS" -workers="$RESMGR_FUZZ_JOBS")
    fi
    if ! (cd "$builddir" && timeout $((seconds * 2 + 120)) "$top/$exe" -max_total_time="$seconds" \
            -max_len=512 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 "${jobs[@]}" \
            -artifact_prefix="$top/$artifacts/" "$top/$corpus") >"$log" 2>&1; then
      ok=0
    fi
    if ls "$artifacts"/* >/dev/null 2>&1; then
      ok=0
    fi
  fi

  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" 2>/dev/null | grep -o '[0-9]*$' | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" 2>/dev/null | tail -n 1 | grep -o '[0-9]*')
  ft=$(grep -o 'ft: [0-9]*' "$log" 2>/dev/null | tail -n 1 | grep -o '[0-9]*')
  echo "fuzz: $t: ${execs:-0} executions, coverage ${cov:-?} edges, ${ft:-?} features, corpus $(ls "$corpus" | wc -l) inputs"
  if [ $ok -eq 1 ]; then
    results+=("{\"name\": \"fuzz/$t\", \"result\": \"OK\"}")
  else
    status=1
    results+=("{\"name\": \"fuzz/$t\", \"result\": \"FAIL\"}")
    echo "fuzz: $t: FINDING (artifacts in $artifacts):" >&2
    grep -E 'model check failed|ERROR:|SUMMARY:|^  ' "$log" "$log.seeds" 2>/dev/null | head -n 40 >&2
    ls "$artifacts" >&2
  fi
done

finish $status
