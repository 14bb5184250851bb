{{- define "yrdhub.labels" -}}
app.kubernetes.io/name: yrdhub
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "yrdhub.kafkaBootstrap" -}}
{{- if .Values.kafka.enabled -}}
{{ .Release.Name }}-kafka:9092
{{- else -}}
{{ required "kafka.bootstrap is required when kafka.enabled=false" .Values.kafka.bootstrap }}
{{- end -}}
{{- end -}}

{{- define "yrdhub.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
