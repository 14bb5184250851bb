{{- define "yrdhub.labels" -}}
app.kubernetes.io/name: yrdhub
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: yrdhub
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- /* Pod Security Standards "restricted": a pod runs as this user, never root. */}}
{{- define "yrdhub.podSecurity" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "yrdhub.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- /* What every pod of the chart shares: its ServiceAccount, no API token. */}}
{{- define "yrdhub.podCommon" -}}
serviceAccountName: {{ .Release.Name }}
automountServiceAccountToken: false
{{- end -}}

{{- define "yrdhub.strimziCluster" -}}
{{ .Values.kafka.strimzi.clusterName | default (printf "%s-kafka" .Release.Name) }}
{{- end -}}

{{- define "yrdhub.kafkaBootstrap" -}}
{{- if and .Values.kafka.enabled .Values.kafka.strimzi.enabled -}}
{{ fail "kafka.enabled (the chart's own brokers) and kafka.strimzi.enabled exclude each other" }}
{{- else if .Values.kafka.strimzi.enabled -}}
{{ include "yrdhub.strimziCluster" . }}-kafka-bootstrap:9093
{{- else if .Values.kafka.enabled -}}
{{ .Release.Name }}-kafka:9092
{{- else -}}
{{ required "kafka.bootstrap is required for an existing cluster (kafka.enabled=false, kafka.strimzi.enabled=false)" .Values.kafka.bootstrap }}
{{- end -}}
{{- end -}}

{{- /* How a service (list $ "exchange-SH" "<KafkaUser name>") connects to
Kafka with TLS: its own certificate from --tls-dir, or with Strimzi its
KafkaUser's, mounted as --kafka-tls-dir. */}}
{{- define "yrdhub.kafkaTlsArgs" -}}
{{- $root := index . 0 }}
{{- if or $root.Values.kafka.enabled $root.Values.kafka.strimzi.enabled $root.Values.kafka.tls }}
- --kafka-tls
{{- end }}
{{- if $root.Values.kafka.strimzi.enabled }}
- --kafka-tls-dir=/etc/yrdhub/kafka-tls
{{- end }}
{{- end -}}

{{- define "yrdhub.kafkaTlsMount" -}}
{{- if .Values.kafka.strimzi.enabled }}
- {name: kafka-tls, mountPath: /etc/yrdhub/kafka-tls, readOnly: true}
{{- end }}
{{- end -}}

{{- /* A Strimzi KafkaUser's certificate and the cluster CA, under the names
`yrdhub certs` uses. Call with (list $ "exchange-SH" "<KafkaUser name>"). */}}
{{- define "yrdhub.kafkaTlsVolume" -}}
{{- $root := index . 0 }}{{- $stem := index . 1 }}{{- $user := index . 2 -}}
{{- if $root.Values.kafka.strimzi.enabled }}
- name: kafka-tls
  projected:
    defaultMode: 0400
    sources:
      - secret:
          name: {{ $user }}
          items:
            - {key: user.crt, path: {{ $stem }}.pem}
            - {key: user.key, path: {{ $stem }}.key}
      - secret:
          name: {{ include "yrdhub.strimziCluster" $root }}-cluster-ca-cert
          items:
            - {key: ca.crt, path: ca.pem}
{{- end }}
{{- end -}}

{{- /* A database URL from a Secret: CloudNativePG's generated <cluster>-app
`uri`, or the given Secret's key. Call with (list $ "<cnpg cluster>" "<secret>" "<key>"). */}}
{{- define "yrdhub.databaseUrl" -}}
{{- $root := index . 0 -}}
valueFrom:
  secretKeyRef:
    {{- if $root.Values.postgresql.cnpg.enabled }}
    name: {{ index . 1 }}-app
    key: uri
    {{- else }}
    name: {{ index . 2 }}
    key: {{ index . 3 }}
    {{- end }}
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
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- /* Replicas and min in-sync replicas of the hub's topics: the values, bounded
by the chart's own brokers when it runs them. A list: (replication minInsync). */}}
{{- define "yrdhub.topicReplication" -}}
{{- $replication := int .Values.kafka.topics.replication }}
{{- if or .Values.kafka.enabled .Values.kafka.strimzi.enabled }}{{ $replication = min $replication (int .Values.kafka.brokers) }}{{ end }}
{{- $minInsync := min (int .Values.kafka.topics.minInsync) $replication }}
{{- printf "%d %d" $replication $minInsync }}
{{- end }}

{{- /* The environment that makes a service create and check topics as above. */}}
{{- define "yrdhub.topicEnv" -}}
{{- $r := splitList " " (include "yrdhub.topicReplication" .) }}
- name: YRDHUB_TOPIC_PREFIX
  value: {{ .Values.kafka.topicPrefix | quote }}
- name: YRDHUB_TOPIC_PARTITIONS
  value: {{ .Values.kafka.partitions | quote }}
- name: YRDHUB_TOPIC_REPLICATION
  value: {{ index $r 0 | quote }}
- name: YRDHUB_TOPIC_MIN_INSYNC
  value: {{ index $r 1 | quote }}
{{- end }}

{{- /* NetworkPolicy egress to Kafka: the chart's brokers, or an existing cluster. */}}
{{- define "yrdhub.kafkaEgress" -}}
{{- if .Values.kafka.strimzi.enabled }}
- to:
    - podSelector:
        matchLabels:
          strimzi.io/cluster: {{ include "yrdhub.strimziCluster" . }}
  ports:
    - {port: 9093, protocol: TCP}
{{- else if .Values.kafka.enabled }}
- to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/instance: {{ .Release.Name }}
          app.kubernetes.io/component: kafka
  ports:
    - {port: 9092, protocol: TCP}
{{- else }}
- to:
    {{- range .Values.networkPolicy.kafkaCidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    {{- range .Values.networkPolicy.kafkaPorts }}
    - {port: {{ . }}, protocol: TCP}
    {{- end }}
{{- end }}
{{- end }}

{{- /* NetworkPolicy egress to PostgreSQL. */}}
{{- define "yrdhub.databaseEgress" -}}
{{- if .Values.postgresql.cnpg.enabled }}
- to:
    - podSelector:
        matchExpressions:
          - {key: cnpg.io/cluster, operator: Exists}
  ports:
    - {port: 5432, protocol: TCP}
{{- else }}
- to:
    {{- range .Values.networkPolicy.databaseCidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    - {port: {{ .Values.networkPolicy.databasePort }}, protocol: TCP}
{{- end }}
{{- end }}
