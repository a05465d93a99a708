{{- define "gitfleet-hub.labels" -}}
app.kubernetes.io/name: gitfleet-hub
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "gitfleet-hub.secret" -}}
{{- default .Release.Name .Values.existingSecret -}}
{{- end -}}
