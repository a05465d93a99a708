{{- define "gitfleet-agent.selectorLabels" -}}
app.kubernetes.io/name: gitfleet-agent
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gitfleet-agent.labels" -}}
{{ include "gitfleet-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end -}}

{{- define "gitfleet-agent.bootstrapSecret" -}}
{{- default (printf "%s-bootstrap" .Release.Name) .Values.existingBootstrapSecret -}}
{{- end -}}

{{/*
CLUSTER_LABELS as "k=v,k2=v2". Helm reads numbers of a values file as float64 (12 would print
as 12 but 12345678 as 1.2345678e+07) and --set gives int64 and bool: each becomes the text a
person wrote, and anything that is not a valid label value is refused here, naming the label.
*/}}
{{- define "gitfleet-agent.clusterLabels" -}}
{{- $pairs := list -}}
{{- range $key, $value := .Values.clusterLabels -}}
{{- $text := toString $value -}}
{{- if and (kindIs "float64" $value) (eq $value (floor $value)) (lt $value 1e15) (gt $value -1e15) -}}
{{- $text = int64 $value | toString -}}
{{- end -}}
{{- if or (gt (len $text) 63) (not (regexMatch "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$" $text)) -}}
{{- fail (printf "clusterLabels.%s: %q is not a valid label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)" $key $text) -}}
{{- end -}}
{{- $pairs = append $pairs (printf "%s=%s" $key $text) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}
