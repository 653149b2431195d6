{{/* Names and labels shared by every object of the release. */}}
{{- define "anneal-worker.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "anneal-worker.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The task queue each worker kind serves. */}}
{{- define "anneal-worker.taskQueue" -}}
{{- if eq . "cpu" -}}anneal{{- else -}}anneal-gpu{{- end -}}
{{- end -}}
