#!/usr/bin/env bash
# Checks the krew release: the archive holds the binary and LICENSE at its root, the manifest's name matches its
# file name, its sha256 is the archive's, and the packed binary runs.
set -euo pipefail
binary=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash "$(dirname "$0")/../scripts/package-krew.sh" "$binary" "$out" >/dev/null
archive="$out/kubectl-aiops_linux_amd64.tar.gz"
[ "$(tar -tzf "$archive" | sort | tr '\n' ' ')" = "LICENSE kubectl-aiops " ] || { echo "archive content wrong"; exit 1; }
grep -q '^  name: aiops$' "$out/aiops.yaml" || { echo "manifest name is not aiops"; exit 1; }
sha=$(sha256sum "$archive" | cut -d' ' -f1)
grep -q "sha256: \"$sha\"" "$out/aiops.yaml" || { echo "manifest sha256 does not match the archive"; exit 1; }
grep -Eq '^  version: "v[0-9]+\.[0-9]+\.[0-9]+"$' "$out/aiops.yaml" || { echo "version is not v-prefixed semver"; exit 1; }
! grep -q '@' "$out/aiops.yaml" || { echo "unexpanded placeholder in manifest"; exit 1; }
mkdir "$out/x" && tar -xzf "$archive" -C "$out/x"
"$out/x/kubectl-aiops" version --client >/dev/null || { echo "packed binary does not run"; exit 1; }
echo "krew package ok"
