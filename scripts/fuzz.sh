#!/usr/bin/env bash
# Runs each libFuzzer target (make fuzz) for RUNS executions or SECONDS, whichever comes first,
# from a seed corpus of valid files, and prints each one's executions. Inputs that crash are
# kept in BUILD/fuzz/<target>/ (crash-*) for a regression test in tests/data/fuzz/.
set -euo pipefail
BUILD=$(cd "${1:-build-fuzz}" && pwd)
RUNS=${2:-1000000}
SECONDS_EACH=${3:-600}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$BUILD/fuzz-work
rm -rf "$work"
mkdir -p "$work"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$here/scripts/sanitize/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=suppressions=$here/scripts/sanitize/ubsan.supp:print_stacktrace=1:halt_on_error=1

# Seeds: valid inputs of each kind, made by the armed executable.
armed=$BUILD/armed
seeds=$work/seeds
mkdir -p "$seeds"/{csv,npy,idx,png_manifest,model_dir,formula}
"$armed" --quiet simulate spiral --clusters 3 --points-per-cluster 5 --seed 1 --out "$work/s.csv"
{ printf '\003'; head -8 "$work/s.csv" | sed '1s/cluster/g/'; } > "$seeds/csv/spiral"  # first byte: classification, one factor g
"$armed" --quiet simulate images --clusters 2 --images-per-cluster 4 --size 16 --seed 1 --out "$work/img"
cp "$work/img.npy" "$seeds/npy/images"
cp "$here/tests/data/fashion-mnist-sample/t10k-labels-idx1-ubyte.gz" "$seeds/idx/labels"
/usr/bin/python3 - "$seeds/png_manifest/gray" <<'PY'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
rows = b"".join(b"\x00" + bytes(range(i * 8, i * 8 + 8)) for i in range(8))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
"$armed" --quiet train --data "$work/s.csv" --target y --cluster cluster --model armed --epochs 1 --out "$work/model"
{ printf '\000'; cat "$work/model/config.json"; } > "$seeds/model_dir/config"
{ printf '\001'; cat "$work/model/weights.pt"; } > "$seeds/model_dir/weights"
export ARMED_FUZZ_MODEL=$work/model
for f in "y ~ x1 + (1 | g)" "y ~ x1 * x2 + (1 + x1 || g) + (1 | g:h)" "cbind(s, n - s) ~ period + offset(log(t)) + (1 | herd)"; do
  printf '%s' "$f" > "$seeds/formula/$(printf '%s' "$f" | md5sum | cut -c1-8)"
done

# The targets run side by side, each in its own folder (its corpus and any crash-* input).
run_target() {
  local target=$1 max_len=4096
  [ "$target" = model_dir ] && max_len=65536  # a model's weights.pt
  mkdir -p "$work/$target/corpus"
  (cd "$work/$target" && "$BUILD/fuzz/fuzz_$target" -runs="$RUNS" -max_total_time="$SECONDS_EACH" -max_len=$max_len \
     -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus "$seeds/$target") > "$work/$target.log" 2>&1
}
targets="csv npy idx png_manifest model_dir formula"
for target in $targets; do run_target "$target" & done
wait || true
for target in $targets; do
  log=$work/$target.log
  runs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  if ls "$work/$target"/crash-* "$work/$target"/oom-* "$work/$target"/timeout-* > /dev/null 2>&1 || ! grep -aq "^Done" "$log"; then
    echo "fuzz_$target: FAILED after $runs executions; see $log"
    grep -a -m5 -E "ERROR|SUMMARY|Test unit written" "$log" || true
    status=1
  else
    echo "fuzz_$target: $runs executions, no crash, hang or sanitizer report"
  fi
done
exit ${status:-0}
