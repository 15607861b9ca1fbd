#!/usr/bin/env bash
# The main job on the built-in simulated cluster: installs the dependencies, builds, starts kubesim with the
# live Todo Chatbot scenario, shows the healthy cluster through `kubectl aiops`, then breaks the backend (a
# release with an image that cannot be pulled) and lets `kubectl aiops diagnose` find the cause and the fix.
# With --keep, kubesim stays up and the script prints the KUBECONFIG and PATH to use it from another shell.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

keep=0
[ "${1:-}" = "--keep" ] && keep=1

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target kubesim kubectl-aiops

state=$(mktemp -d /tmp/kubesim-demo.XXXXXX)
./build/bin/kubesim --scenario tests/kubesim/scenarios/todo-chatbot.yaml --port 0 \
  --kubeconfig-out "$state/kubeconfig" >"$state/kubesim.out" 2>"$state/kubesim.err" &
sim=$!
stop() { [ $keep = 1 ] || { kill "$sim" 2>/dev/null; wait "$sim" 2>/dev/null || true; rm -rf "$state"; }; }
trap stop EXIT

for _ in $(seq 100); do
  grep -q "ready" "$state/kubesim.out" 2>/dev/null && break
  kill -0 "$sim" 2>/dev/null || { cat "$state/kubesim.err" >&2; exit 3; }
  sleep 0.1
done
grep -q "ready" "$state/kubesim.out" || { echo "demo: kubesim did not become ready" >&2; exit 3; }

export KUBECONFIG="$state/kubeconfig" PATH="$root/build/bin:$PATH"
run() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@" || true; }
run kubectl aiops version
run kubectl get nodes
run kubectl get pods -n todo
run kubectl aiops status -n todo
run kubectl aiops diagnose -n todo

# A bad release: the backend's new image does not exist. kubesim's kubelet fails the pulls as a real one does.
printf '\n\033[1m# a new backend release with an image tag that was never pushed\033[0m\n'
echo '{"action":"badImage","namespace":"todo","deployment":"todo-backend","image":"ghcr.io/todo-chatbot/backend:1.4.3-typo"}' |
  kubectl create --raw /kubesim/v1/actions -f - >/dev/null
sleep 3
run kubectl get pods -n todo
run kubectl aiops diagnose -n todo

if [ $keep = 1 ]; then
  printf '\nkubesim (pid %s) keeps running. In another shell:\n  export KUBECONFIG=%s PATH=%s/build/bin:$PATH\n' \
    "$sim" "$KUBECONFIG" "$root"
fi
