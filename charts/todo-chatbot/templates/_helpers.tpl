{{/* Shared names and labels of the Todo Chatbot chart. */}}

{{- define "todo-chatbot.labels" -}}
app.kubernetes.io/part-of: todo-chatbot
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{/* Object name of one component: "<release>-<component>", called with (dict "root" $ "component" "backend"). */}}
{{- define "todo-chatbot.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels of one component. Deployment selectors are immutable, so these two keys must never change:
the release in tests/kubesim/scenarios/todo-chatbot.yaml was installed with exactly them.
*/}}
{{- define "todo-chatbot.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Object labels of one component: the common labels plus its name. */}}
{{- define "todo-chatbot.componentLabels" -}}
{{ include "todo-chatbot.labels" .root }}
app.kubernetes.io/name: {{ .component }}
{{- end -}}

{{/* Annotations telling the rollout gate and the collector where the component's metrics are served. */}}
{{- define "todo-chatbot.metricsAnnotations" -}}
{{- if .root.Values.metrics.enabled -}}
aiops.dev/metrics-port: http
aiops.dev/metrics-path: {{ .root.Values.metrics.path | default "/metrics" | quote }}
{{- end -}}
{{- end -}}

{{/* The restricted pod security context both components run with. */}}
{{- define "todo-chatbot.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "todo-chatbot.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* HTTP probes on the named port: readiness gates traffic, liveness restarts a wedged process. */}}
{{- define "todo-chatbot.probes" -}}
readinessProbe:
  httpGet: {path: /healthz, port: http}
  periodSeconds: 5
livenessProbe:
  httpGet: {path: /healthz, port: http}
  periodSeconds: 10
  failureThreshold: 3
{{- end -}}
