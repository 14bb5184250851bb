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

{{/* The TLS folder of one identity: its Secret's keys under the names
`yrdhub certs` uses (services/common/tls.py). Call with (list $ "exchange-SH"). */}}
{{- define "yrdhub.tlsVolume" -}}
{{- $root := index . 0 }}{{- $stem := index . 1 -}}
- name: tls
  secret:
    secretName: {{ printf "%s-%s" $root.Values.tls.secretPrefix (lower $stem) }}
    defaultMode: 0400
    items:
      - {key: tls.crt, path: {{ $stem }}.pem}
      - {key: tls.key, path: {{ $stem }}.key}
      - {key: ca.crt, path: ca.pem}
{{- end -}}

{{/* The chain signing folder: the key set, and for an exchange its province's
private keys (every key of its Secret, as <key id>.key). */}}
{{- define "yrdhub.signingVolume" -}}
{{- $root := index . 0 }}{{- $province := index . 1 -}}
- name: signing
  projected:
    defaultMode: 0400
    sources:
      - secret:
          name: {{ printf "%s-keyset" $root.Values.signing.secretPrefix }}
          items:
            - {key: keyset.json, path: keyset.json}
      {{- if $province }}
      - secret:
          name: {{ printf "%s-%s" $root.Values.signing.secretPrefix (lower $province) }}
      {{- end }}
{{- end -}}

{{- define "yrdhub.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{- /* Replicas and min in-sync replicas of the hub's topics: the values, bounded
by the chart's own brokers when it runs them. A list: (replication minInsync). */}}
{{- define "yrdhub.topicReplication" -}}
{{- $replication := int .Values.kafka.topics.replication }}
{{- if .Values.kafka.enabled }}{{ $replication = min $replication (int .Values.kafka.brokers) }}{{ end }}
{{- $minInsync := min (int .Values.kafka.topics.minInsync) $replication }}
{{- printf "%d %d" $replication $minInsync }}
{{- end }}

{{- /* The environment that makes a service create and check topics as above. */}}
{{- define "yrdhub.topicEnv" -}}
{{- $r := splitList " " (include "yrdhub.topicReplication" .) }}
- name: YRDHUB_TOPIC_PARTITIONS
  value: {{ .Values.kafka.partitions | quote }}
- name: YRDHUB_TOPIC_REPLICATION
  value: {{ index $r 0 | quote }}
- name: YRDHUB_TOPIC_MIN_INSYNC
  value: {{ index $r 1 | quote }}
{{- end }}
