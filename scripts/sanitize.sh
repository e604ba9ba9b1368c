#!/usr/bin/env bash
# Runs the unit tests (and, through them, the armed executable) built with AddressSanitizer and
# UndefinedBehaviorSanitizer (make sanitize). LibTorch's own reports are left out by the
# suppression files beside this script, each suppression with its reason.
set -euo pipefail
BUILD=${1:-build-sanitize}
here=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_init_order=1
export LSAN_OPTIONS=suppressions=$here/sanitize/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=suppressions=$here/sanitize/ubsan.supp:print_stacktrace=1:halt_on_error=1
cd "$BUILD"
./tests/armed_tests --gtest_brief=1 "${@:2}"
