#!/usr/bin/env bash
# The photo path against vipsthumbnail on the same 20 phone-size photos, in one run: prints each
# one's time per photo and the ratio (target: fieldcheck / vips <= 1.0), then each one's CPU time
# per photo. The two alternate for BENCH_ROUNDS rounds (default 5) and the medians are compared,
# so a passing hiccup of the machine during one of them does not decide the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/fieldcheck/target}"
command -v vipsthumbnail >/dev/null || apt-get install -y --no-install-recommends libvips-tools >/dev/null
export BENCH_PHOTO_DIR="${BENCH_PHOTO_DIR:-/tmp/fieldcheck-bench-photos}"
rounds="${BENCH_ROUNDS:-5}"
# Builds the benchmark (and writes the photos) once; later rounds run the built binary.
cargo bench --bench photos --no-run >/dev/null 2>&1
bin=$(cargo bench --bench photos --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "photos" and m.get("executable"):
        print(m["executable"])')
"$bin" >/dev/null
n=$(ls "$BENCH_PHOTO_DIR"/phone-*.jpg | wc -l)
out=$(mktemp -d)
ours=(); vips=(); ours_cpu=(); vips_cpu=()
TIMEFORMAT='%U %S'
for _ in $(seq "$rounds"); do
  read -r wall cpu < <("$bin" | tail -n 1)
  ours+=("$wall"); ours_cpu+=("$cpu")
  start=$(date +%s.%N)
  times=$( { time vipsthumbnail "$BENCH_PHOTO_DIR"/phone-*.jpg -s 320 -o "$out/%s-320.jpg"; } 2>&1 )
  end=$(date +%s.%N)
  vips+=("$(echo "($end - $start) * 1000 / $n" | bc -l)")
  read -r user sys <<<"$times"
  vips_cpu+=("$(echo "($user + $sys) * 1000 / $n" | bc -l)")
done
rm -rf "$out"
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m_ours=$(median "${ours[@]}"); m_vips=$(median "${vips[@]}")
printf 'rounds: %s\n' "$rounds"
printf 'fieldcheck ms/photo: %s\n' "$(printf '%.1f ' "${ours[@]}")"
printf 'vips       ms/photo: %s\n' "$(printf '%.1f ' "${vips[@]}")"
printf 'per photo (median): fieldcheck %.1f ms (whole path: hash, EXIF, both derivatives, pHash)\n' "$m_ours"
printf '                    vipsthumbnail %.1f ms (one 320 px thumbnail)\n' "$m_vips"
printf 'ratio fieldcheck / vips: %.2f (target <= 1.0)\n' "$(echo "$m_ours / $m_vips" | bc -l)"
# The photo path decodes on one core while the other derives; vips uses one core. Their CPU times:
c_ours=$(median "${ours_cpu[@]}"); c_vips=$(median "${vips_cpu[@]}")
printf 'CPU per photo (median): fieldcheck %.1f ms, vipsthumbnail %.1f ms, ratio %.2f\n' \
  "$c_ours" "$c_vips" "$(echo "$c_ours / $c_vips" | bc -l)"
