#!/usr/bin/env bash
# Packs a built kubectl-aiops into the krew release archive and writes the matching manifest.
# usage: package-krew.sh BINARY OUTDIR   (writes OUTDIR/kubectl-aiops_linux_amd64.tar.gz and OUTDIR/aiops.yaml)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: package-krew.sh BINARY OUTDIR" >&2; exit 2; }
binary=$1 out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$binary" ] || { echo "package-krew: $binary is not an executable" >&2; exit 2; }

version=$(sed -n 's/^project(kubectl-aiops VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$binary" "$stage/kubectl-aiops"
strip "$stage/kubectl-aiops" 2>/dev/null || true
cp "$root/LICENSE" "$stage/LICENSE"
archive="$out/kubectl-aiops_linux_amd64.tar.gz"
# Fixed owner, order and mtime make the archive, and so its checksum, reproducible for one binary.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -cf - kubectl-aiops LICENSE |
  gzip -n >"$archive.tmp"
mv "$archive.tmp" "$archive"
sha=$(sha256sum "$archive" | cut -d' ' -f1)
sed -e "s/@VERSION@/$version/g" -e "s/@SHA256@/$sha/" "$root/krew/aiops.yaml.in" >"$out/aiops.yaml.tmp"
mv "$out/aiops.yaml.tmp" "$out/aiops.yaml"
echo "$archive $sha"
