{{/* The name of every object: the release name, or release-chart when the release name does not
contain the chart's (so `helm install rolloutd` names them as deploy/ does). */}}
{{- define "rolloutd.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "rolloutd.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rolloutd.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "rolloutd.labels" -}}
app.kubernetes.io/name: rolloutd
app.kubernetes.io/part-of: rolloutd
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The controller's pods. */}}
{{- define "rolloutd.selectorLabels" -}}
app.kubernetes.io/name: rolloutd
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end -}}

{{/* The rules of the controller's (Cluster)Role: deploy/rbac/cluster_role.yaml explains each, and
test/e2e/test_helm_chart.sh checks they are the same. */}}
{{- define "rolloutd.rules" -}}
- apiGroups: [rolloutd.io]
  resources: [rolloutpolicies]
  verbs: [list, watch]
- apiGroups: [rolloutd.io]
  resources: [rolloutpolicies/status]
  verbs: [patch]
- apiGroups: [apps]
  resources: [replicasets]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [services]
  verbs: [list, watch, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [""]
  resources: [pods]
  verbs: [list]
- apiGroups: [""]
  resources: [pods/eviction]
  verbs: [create]
{{- end -}}
