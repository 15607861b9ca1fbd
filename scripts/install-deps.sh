#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the demo need. Idempotent: a package that is
# already present is left alone, and a machine with everything installed does not touch apt at all.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git clang-format
  libboost1.81-all-dev        # Process (kubectl transport), Asio and the rest of Boost 1.81
  libboost-json1.81-dev libboost-url1.81-dev
  libyaml-cpp-dev             # scenario files, YAML output
  libyaml-dev                 # aiops-gate: the YAML 1.1 parser go-yaml (Helm, the API server) is ported from
  libgit2-dev                 # PHR audit repository
  libgtest-dev libgmock-dev   # tests
  libcli11-dev                # command-line front ends
  libfmt-dev                  # formatting
  libsqlite3-dev              # metrics history
  libre2-dev                  # secret patterns, selectors
  libssl-dev openssl          # kubesim TLS
  libcpp-httplib-dev          # kubesim HTTP(S) server
  golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev golang-gopkg-yaml.v2-dev  # helm stand-in
  ca-certificates curl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# kubectl is the plugin's transport and the end-to-end tests' client. Machines of this kind ship it; elsewhere
# Debian's own package is the fallback (an older client, enough for the access layer but not for every test).
if ! command -v kubectl >/dev/null 2>&1; then
  echo "install-deps: kubectl not found, installing a Debian package that provides it" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq kubectl >/dev/null 2>&1 ||
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq kubernetes-client >/dev/null
fi
echo "install-deps: all dependencies present" >&2
