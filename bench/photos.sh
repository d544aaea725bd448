#!/usr/bin/env bash
# The photo path against vipsthumbnail on the same 20 phone-size photos, in one run:
# prints each one's time per photo and the ratio (target: fieldcheck / vips <= 1.0).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/fieldcheck/target}"
command -v vipsthumbnail >/dev/null || apt-get install -y --no-install-recommends libvips-tools >/dev/null
export BENCH_PHOTO_DIR="${BENCH_PHOTO_DIR:-/tmp/fieldcheck-bench-photos}"
ours=$(cargo bench --bench photos 2>/dev/null | tail -n 1)
out=$(mktemp -d)
start=$(date +%s.%N)
vipsthumbnail "$BENCH_PHOTO_DIR"/phone-*.jpg -s 320 -o "$out/%s-320.jpg"
end=$(date +%s.%N)
n=$(ls "$BENCH_PHOTO_DIR"/phone-*.jpg | wc -l)
vips=$(echo "($end - $start) * 1000 / $n" | bc -l)
rm -rf "$out"
printf 'per photo: fieldcheck %.1f ms (whole path: hash, EXIF, both derivatives, pHash)\n' "$ours"
printf '           vipsthumbnail %.1f ms (one 320 px thumbnail)\n' "$vips"
printf 'ratio fieldcheck / vips: %.2f (target <= 1.0)\n' "$(echo "$ours / $vips" | bc -l)"
