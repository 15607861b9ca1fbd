#!/usr/bin/env bash
# The main job on the built-in simulated cluster: installs the dependencies, builds, starts kubesim with the
# live Todo Chatbot scenario, shows the healthy cluster through `kubectl aiops`, then breaks the backend (a
# release with an image that cannot be pulled) and lets `kubectl aiops diagnose` find the cause and propose the
# fix; an architect approves it, the fix is applied, and the PHR journal shows every step. Then the next
# releases go through Helm with the rollout gate: a healthy one rolls out, a buggy one (20% errors) is paused
# within seconds, rolled back and recorded. No machine here has Helm: the demo uses the test stand-in
# (tests/helm/standin, docs/helm-standin.md); with a real helm on PATH the same commands work.
# With --keep, kubesim stays up and the script prints the KUBECONFIG and PATH to use it from another shell.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

keep=0
[ "${1:-}" = "--keep" ] && keep=1

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target kubesim kubectl-aiops aiops-gate helm-standin

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

export KUBECONFIG="$state/kubeconfig" PATH="$root/build/bin:$PATH" AIOPS_PHR_REPO="$state/phr"
helm=$(command -v helm || echo "$root/build/bin/helm-standin/helm")
export PATH="$(dirname "$helm"):$PATH" HELM_STANDIN_STATE="$state/helm"
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
run kubectl aiops pending

# The fix is medium risk: the requester (the admin here) may not approve it. The architect may, once bound to
# the aiops-approver ClusterRole, and approves as themself (their own kubeconfig context).
kubectl apply -f deploy/rbac/aiops-clusterroles.yaml >/dev/null
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: architects-approve}
subjects: [{kind: User, name: architect, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: aiops-approver, apiGroup: rbac.authorization.k8s.io}
EOF
run kubectl aiops approve op-0001 --context kubesim-architect --reason "bad tag in 1.4.3; back to the last good release"
run kubectl aiops apply op-0001
sleep 3
run kubectl get pods -n todo

# The rollout gate: releases through Helm with aiops-gate as the post-renderer, then the monitor. The first
# adopts the running objects as release `todo` (4 backend replicas); the second ships a buggy build.
printf '\n\033[1m# release the chart through the rollout gate (a 20 s bake window)\033[0m\n'
run aiops-gate upgrade --window 20s -- todo charts/todo-chatbot -n todo --install --set backend.replicas=4
printf '\n\033[1m# backend 1.5.0-rc1 fails one request in five\033[0m\n'
run aiops-gate upgrade --window 20s -- todo charts/todo-chatbot -n todo \
  --set backend.replicas=4 --set backend.image=ghcr.io/todo-chatbot/backend:1.5.0-rc1
run helm history todo -n todo
run kubectl get pods -n todo
run kubectl get events -n todo --field-selector reason=RolloutHalted
run kubectl aiops phr log
run kubectl aiops phr verify

if [ $keep = 1 ]; then
  printf '\nkubesim (pid %s) keeps running. In another shell:\n  export KUBECONFIG=%s PATH=%s/build/bin:$PATH AIOPS_PHR_REPO=%s\n' \
    "$sim" "$KUBECONFIG" "$root" "$AIOPS_PHR_REPO"
fi
