#!/usr/bin/env bash
# package.sh — what `make package` runs after `make build`: zips each
# bin/<fn>/bootstrap into bin/<fn>.zip (the bootstrap at the zip's root, as
# Lambda's provided runtimes want it) and prints the sizes. The zip is
# reproducible: fixed timestamp and mode, so an unchanged binary gives an
# unchanged zip.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

shopt -s nullglob
bins=(bin/*/bootstrap)
if [ ${#bins[@]} -eq 0 ]; then
	echo "package.sh: no bin/<fn>/bootstrap; run make build first" >&2
	exit 1
fi

printf '%-10s %12s %12s  %s\n' function binary zipped zip
total=0
for b in "${bins[@]}"; do
	fn="$(basename "$(dirname "$b")")"
	zipf="bin/$fn.zip"
	python3 - "$b" "$zipf" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = (0o100755 << 16)  # regular file, rwxr-xr-x
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f, zipfile.ZipFile(dst, "w") as z:
    z.writestr(info, f.read(), compresslevel=9)
PY
	bs="$(stat -c %s "$b")"
	zs="$(stat -c %s "$zipf")"
	total=$((total + zs))
	printf '%-10s %12d %12d  %s (%s MiB)\n' "$fn" "$bs" "$zs" "$zipf" \
		"$(awk -v b="$zs" 'BEGIN{printf "%.2f", b/1048576}')"
done
printf '%-10s %12s %12d  (%s MiB)\n' total "" "$total" "$(awk -v b="$total" 'BEGIN{printf "%.2f", b/1048576}')"
