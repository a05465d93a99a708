{{- define "gitfleet-hub.selectorLabels" -}}
app.kubernetes.io/name: gitfleet-hub
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gitfleet-hub.labels" -}}
{{ include "gitfleet-hub.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end -}}

{{- define "gitfleet-hub.tokensSecret" -}}
{{- default (printf "%s-tokens" .Release.Name) .Values.auth.existingSecret -}}
{{- end -}}

{{- define "gitfleet-hub.embeddedDatabase" -}}
{{- if not .Values.database.existingSecret }}true{{ end -}}
{{- end -}}

{{/*
The fleet repositories as a JSON list of { where, name, url, branch, path, username,
credentialsSecret, knownHosts, ssh }: fleet.repoUrl (named "default") first, then
fleet.extraRepos. A URL carrying credentials is refused, naming the value.
*/}}
{{- define "gitfleet-hub.repos" -}}
{{- $repos := list -}}
{{- with .Values.fleet -}}
{{- if .repoUrl -}}
{{- $repos = append $repos (dict "where" "fleet.repoUrl" "name" "default" "url" .repoUrl "branch" .branch "path" .path "username" .username "credentialsSecret" .credentialsSecret "knownHosts" .knownHosts "policy" .policy) -}}
{{- end -}}
{{- range $i, $repo := .extraRepos -}}
{{- $repos = append $repos (merge (dict "where" (printf "fleet.extraRepos[%d]" $i)) $repo) -}}
{{- end -}}
{{- end -}}
{{- $checked := list -}}
{{- range $repos -}}
{{- $ssh := regexMatch "^ssh://|^[^/:@]+@[^/:]+:" .url -}}
{{- if or (and (not $ssh) (regexMatch "^[A-Za-z][A-Za-z0-9+.-]*://[^/]*@" .url)) (regexMatch "^[A-Za-z][A-Za-z0-9+.-]*://[^/@]*:[^/@]*@" .url) -}}
{{- fail (printf "%s carries credentials in the URL: put the token in a Secret (key \"password\") and name it in credentialsSecret" .where) -}}
{{- end -}}
{{- $checked = append $checked (merge (dict "ssh" $ssh) .) -}}
{{- end -}}
{{- toJson $checked -}}
{{- end -}}

{{/* resources, or the defaults measured for the database in use (values.yaml says where from). */}}
{{- define "gitfleet-hub.resources" -}}
{{- if .Values.resources -}}
{{- toYaml .Values.resources -}}
{{- else if include "gitfleet-hub.embeddedDatabase" . -}}
requests: { cpu: 100m, memory: 1Gi }
limits: { memory: 2Gi }
{{- else -}}
requests: { cpu: 100m, memory: 256Mi }
limits: { memory: 1Gi }
{{- end -}}
{{- end -}}
