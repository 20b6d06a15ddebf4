{{/* Names, labels and the rendered exporter configuration shared by the templates. */}}

{{- define "lpe.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lpe.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "lpe.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lpe.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lpe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lpe.labels" -}}
helm.sh/chart: {{ include "lpe.chart" . }}
{{ include "lpe.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: exporter
app.kubernetes.io/part-of: liveperson-exporter
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "lpe.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lpe.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "lpe.secretName" -}}
{{- default (printf "%s-credentials" (include "lpe.fullname" .)) .Values.credentials.existingSecret }}
{{- end }}

{{/* Whether /metrics is served and so a Service (and ServiceMonitor, test pod) makes sense. */}}
{{- define "lpe.serves" -}}
{{- if and (ne .Values.mode "none") .Values.service.enabled .Values.config.metrics_endpoint }}true{{ end }}
{{- end }}

{{/* Credential fields per auth kind. */}}
{{- define "lpe.credentialFields" -}}
{{- if eq . "oauth2" }}client_id client_secret{{ else }}consumer_key consumer_secret token token_secret{{ end }}
{{- end }}

{{/* config.yaml: the `config` values, listen, the shard, and accounts reading their credentials
     from the mounted Secret's files. */}}
{{- define "lpe.config" -}}
{{- $cfg := deepCopy .Values.config }}
{{- $_ := set $cfg "listen" (printf "0.0.0.0:%d" (int .Values.service.port)) }}
{{- if eq .Values.mode "statefulset" }}
{{- $_ := set $cfg "shard" (dict "index" "pod-ordinal" "count" (int .Values.replicas)) }}
{{- end }}
{{- $accounts := list }}
{{- range .Values.accounts }}
{{- $id := toString .id }}
{{- $files := dict }}
{{- range (include "lpe.credentialFields" .auth | splitList " ") }}
{{- $_ := set $files (printf "%s_file" .) (printf "%s/%s.%s" $.Values.credentials.mountPath $id .) }}
{{- end }}
{{- $account := dict "id" $id "auth" (dict .auth $files) }}
{{- with .csds_url }}{{ $_ := set $account "csds_url" . }}{{ end }}
{{- with .domains }}{{ $_ := set $account "domains" . }}{{ end }}
{{- with .collectors }}{{ $_ := set $account "collectors" . }}{{ end }}
{{- $accounts = append $accounts $account }}
{{- end }}
{{- $_ := set $cfg "accounts" $accounts }}
{{- toYaml $cfg }}
{{- end }}

{{/* The Secret holding the web config, when there is one. */}}
{{- define "lpe.webSecretName" -}}
{{- if .Values.web.existingSecret }}{{ .Values.web.existingSecret }}
{{- else if .Values.web.config }}{{ include "lpe.fullname" . }}-web-config
{{- end }}
{{- end }}

{{/* Checks the web values against each other where a mistake would only show in a running pod:
     probes answered 401, or HTTP spoken to an HTTPS port. */}}
{{- define "lpe.checkWeb" -}}
{{- $web := .Values.web }}
{{- if and $web.config $web.existingSecret }}
{{- fail "web.config and web.existingSecret are exclusive: give the web config once" }}
{{- end }}
{{- if and (eq $web.scheme "HTTPS") (not (include "lpe.webSecretName" .)) }}
{{- fail "web.scheme HTTPS needs a web config with tls_server_config (web.config or web.existingSecret)" }}
{{- end }}
{{- if and $web.config.tls_server_config (ne $web.scheme "HTTPS") }}
{{- fail "web.config has tls_server_config: set web.scheme to HTTPS so probes and the ServiceMonitor speak TLS" }}
{{- end }}
{{- if $web.config.basic_auth_users }}
{{- $authorized := false }}
{{- range $web.probeHeaders }}{{ if eq (lower .name) "authorization" }}{{ $authorized = true }}{{ end }}{{ end }}
{{- if not $authorized }}
{{- fail "web.config has basic_auth_users, so every endpoint asks for a password: set web.probeHeaders to an Authorization header for the probes" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The pod's termination grace period: config.shutdown_timeout (whole seconds or minutes) plus
     5 s, so the exporter's own bounded shutdown always ends before Kubernetes' SIGKILL. */}}
{{- define "lpe.terminationGracePeriodSeconds" -}}
{{- $timeout := toString (.Values.config.shutdown_timeout | default "15s") }}
{{- $amount := int (trimSuffix "s" (trimSuffix "m" $timeout)) }}
{{- if hasSuffix "m" $timeout }}{{ $amount = mul $amount 60 }}{{ end }}
{{- add $amount 5 }}
{{- end }}
