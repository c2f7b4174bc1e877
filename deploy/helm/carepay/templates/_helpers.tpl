{{/* The release's name, or <release>-carepay when it does not already say carepay. */}}
{{- define "carepay.fullname" -}}
{{- if contains "carepay" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-carepay" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* What the code says of Kafka and the services (files/kafka.yaml, written by `carepay deploy generate`). */}}
{{- define "carepay.generated" -}}
{{- .Files.Get "files/kafka.yaml" -}}
{{- end -}}

{{- define "carepay.labels" -}}
app.kubernetes.io/name: carepay
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: carepay
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one service: (dict "root" $ "service" $name) */}}
{{- define "carepay.selectorLabels" -}}
app.kubernetes.io/name: carepay
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "carepay.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* One service's values over serviceDefaults: (dict "root" $ "service" $name) -> YAML */}}
{{- define "carepay.serviceValues" -}}
{{- $given := index .root.Values.services .service | default dict -}}
{{- toYaml (mustMergeOverwrite (deepCopy .root.Values.serviceDefaults) (deepCopy $given)) -}}
{{- end -}}

{{/* An environment value, quoted; a whole number stays whole (YAML numbers reach templates as floats). */}}
{{- define "carepay.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (. | int64 | float64)) -}}
{{- . | int64 | toString | quote -}}
{{- else -}}
{{- . | toString | quote -}}
{{- end -}}
{{- end -}}

{{/* The Kafka user a service signs in as: kafka.usernames[service], else <usernamePrefix><service>
(the KafkaUser's name with Strimzi). (dict "root" $ "service" $name) */}}
{{- define "carepay.kafkaUsername" -}}
{{- $given := index (.root.Values.kafka.usernames | default dict) .service -}}
{{- $given | default (printf "%s%s" .root.Values.kafka.usernamePrefix .service) -}}
{{- end -}}

{{- define "carepay.dbCluster" -}}
{{- printf "%s-db" (include "carepay.fullname" .) -}}
{{- end -}}

{{/* Refuses a release that names no database, or two. */}}
{{- define "carepay.checkDatabase" -}}
{{- if and .Values.database.cnpg.enabled .Values.database.external.existingSecret -}}
{{- fail "database: set either database.cnpg.enabled or database.external.existingSecret, not both" -}}
{{- end -}}
{{- if not (or .Values.database.cnpg.enabled .Values.database.external.existingSecret) -}}
{{- fail "database: set database.cnpg.enabled=true or database.external.existingSecret (a Secret holding DATABASE_URL)" -}}
{{- end -}}
{{- end -}}

{{/* checkov findings left on purpose, each with its reason (`make deploy-check` runs checkov). */}}
{{- define "carepay.checkovSkips" -}}
checkov.io/skip1: "CKV_K8S_11=No CPU limit on purpose: a CFS quota throttles the event loop mid-batch; CPU is requested and memory limited"
checkov.io/skip2: "CKV_K8S_35=The database password alone is an environment variable (PGPASSWORD or DATABASE_URL), where asyncpg reads it; every other secret is a file"
{{- end -}}

{{/* Pod-level security: an unprivileged user, no service-account token, the runtime's seccomp profile. */}}
{{- define "carepay.podSecurity" -}}
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "carepay.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  privileged: false
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  capabilities:
    drop: ["ALL"]
{{- end -}}

{{/* Database settings of a container: DATABASE_URL (and PGPASSWORD for the CNPG Cluster's owner). */}}
{{- define "carepay.databaseEnv" -}}
{{- if .Values.database.cnpg.enabled }}
- name: DATABASE_URL
  value: {{ printf "postgresql://%s@%s-rw.%s.svc:5432/%s?sslmode=verify-full&sslrootcert=/etc/carepay/postgres-ca/ca.crt" .Values.database.user (include "carepay.dbCluster" .) .Release.Namespace .Values.database.name | quote }}
# asyncpg takes the password from PGPASSWORD when DATABASE_URL carries none.
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "carepay.dbCluster" . }}-app
      key: password
{{- else }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.external.existingSecret }}
      key: {{ .Values.database.external.key }}
{{- end }}
{{- end -}}

{{/* Volumes every Carepay pod mounts: /tmp, the settings Secret as files, the Kafka and Postgres CAs. */}}
{{- define "carepay.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: settings
  secret:
    secretName: {{ .Values.secrets.existingSecret }}
    defaultMode: 0440
{{- if .Values.kafka.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.caSecret.name }}
    items: [{key: {{ .Values.kafka.caSecret.key }}, path: ca.crt}]
{{- end }}
{{- if .Values.database.cnpg.enabled }}
- name: postgres-ca
  secret:
    secretName: {{ include "carepay.dbCluster" . }}-ca
    items: [{key: ca.crt, path: ca.crt}]
{{- else if .Values.database.external.caSecret.name }}
- name: postgres-ca
  secret:
    secretName: {{ .Values.database.external.caSecret.name }}
    items: [{key: {{ .Values.database.external.caSecret.key }}, path: ca.crt}]
{{- end }}
{{- end -}}

{{- define "carepay.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: settings
  mountPath: {{ .Values.secrets.mountPath }}
  readOnly: true
{{- if .Values.kafka.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/carepay/kafka-ca
  readOnly: true
{{- end }}
{{- if or .Values.database.cnpg.enabled .Values.database.external.caSecret.name }}
- name: postgres-ca
  mountPath: /etc/carepay/postgres-ca
  readOnly: true
{{- end }}
{{- end -}}
