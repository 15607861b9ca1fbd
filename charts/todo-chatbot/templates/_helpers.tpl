{{- define "todo-chatbot.labels" -}}
app.kubernetes.io/part-of: todo-chatbot
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
