/**
 * A bundle of every built-in kind a platform team ships, written the way people write them:
 * quantities as `1000m` and `1Gi`, int-or-string ports by name and by number, empty maps,
 * fields the API server defaults or allocates (clusterIP, nodePort, Job selectors), a CRD with
 * schema defaults and a status subresource, and webhook configurations that match nothing.
 * Every name is made unique by `id`, so that test files sharing one API server never collide.
 *
 * Used by the engine's real-server tests: applied once, it must then stay idle — no drift
 * reported, no write — while controllers and other managers do what they do.
 */
export interface AllKindsBundle {
  /** Files of the bundle, path → YAML, under `apps/<bundle>/`. */
  files: Record<string, string>;
  namespace: string;
  /** The custom resource's API group. */
  group: string;
  /** Names of cluster-scoped objects (all carry the id). */
  clusterScoped: { clusterRole: string; clusterRoleBinding: string; priorityClass: string; storageClass: string; webhook: string };
}

export function allKindsBundle(bundle: string, id: string): AllKindsBundle {
  const ns = `gf-${id}`;
  const group = `${id}.gitfleet.test`;
  const cluster = {
    clusterRole: `gf-${id}-reader`,
    clusterRoleBinding: `gf-${id}-reader`,
    priorityClass: `gf-${id}-high`,
    storageClass: `gf-${id}-local`,
    webhook: `gf-${id}-hook`,
  };
  const dir = `apps/${bundle}`;
  return {
    namespace: ns,
    group,
    clusterScoped: cluster,
    files: {
      [`${dir}/00-crd.yaml`]: `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer, default: 3 }
                mode: { type: string, default: fast }
                tags:
                  type: object
                  additionalProperties: { type: string }
            status:
              type: object
              properties:
                ready: { type: boolean }
`,
      [`${dir}/01-cluster.yaml`]: `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
  annotations: {}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: ${cluster.priorityClass}
value: 100000
description: gitfleet test
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ${cluster.storageClass}
provisioner: gitfleet.test/none
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${cluster.clusterRole}
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${cluster.clusterRoleBinding}
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${cluster.clusterRole} }
subjects:
  - kind: ServiceAccount
    name: app
    namespace: ${ns}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: ${cluster.webhook}
webhooks:
  - name: validate.${group}
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Ignore
    clientConfig:
      url: https://127.0.0.1:1/validate
    rules:
      - apiGroups: ["${group}"]
        apiVersions: ["*"]
        operations: [CREATE]
        resources: [gadgets]
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: ${cluster.webhook}
webhooks:
  - name: mutate.${group}
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Ignore
    clientConfig:
      url: https://127.0.0.1:1/mutate
    rules:
      - apiGroups: ["${group}"]
        apiVersions: ["*"]
        operations: [CREATE]
        resources: [gadgets]
`,
      [`${dir}/02-policy.yaml`]: `apiVersion: v1
kind: LimitRange
metadata:
  name: limits
  namespace: ${ns}
spec:
  limits:
    - type: Container
      default: { cpu: 500m, memory: 256Mi }
      defaultRequest: { cpu: 100m, memory: 64Mi }
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: quota
  namespace: ${ns}
spec:
  hard:
    pods: "50"
    requests.cpu: "10"
    requests.memory: 20Gi
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: ${ns}
spec:
  podSelector:
    matchLabels: { app: web }
  ingress:
    - ports:
        - port: http
        - port: 8443
          protocol: TCP
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: ${ns}
spec:
  minAvailable: 50%
  selector:
    matchLabels: { app: web }
`,
      [`${dir}/03-config.yaml`]: `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: ${ns}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${ns}
  labels: {}
data:
  greeting: hello
  empty: ""
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: empty
  namespace: ${ns}
data: {}
---
apiVersion: v1
kind: Secret
metadata:
  name: credentials
  namespace: ${ns}
type: Opaque
stringData:
  password: s3cr3t-${id}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: ${ns}
rules:
  - apiGroups: [""]
    resources: [configmaps, secrets]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: ${ns}
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader }
subjects:
  - kind: ServiceAccount
    name: app
    namespace: ${ns}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: ${ns}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ${cluster.storageClass}
  resources:
    requests:
      storage: 1Gi
`,
      [`${dir}/04-services.yaml`]: `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${ns}
spec:
  selector: { app: web }
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: v1
kind: Service
metadata:
  name: web-nodeport
  namespace: ${ns}
spec:
  type: NodePort
  selector: { app: web }
  ports:
    - port: 8080
      targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: ${ns}
spec:
  clusterIP: None
  selector: { app: db }
  ports:
    - port: 5432
---
apiVersion: v1
kind: Service
metadata:
  name: upstream
  namespace: ${ns}
spec:
  type: ExternalName
  externalName: example.invalid
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: ${ns}
spec:
  rules:
    - host: web.example.invalid
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port: { name: http }
`,
      [`${dir}/05-workloads.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      serviceAccountName: app
      priorityClassName: ${cluster.priorityClass}
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - name: http
              containerPort: 8080
          resources:
            requests: { cpu: 250m, memory: 128Mi }
            limits: { cpu: 1000m, memory: 1Gi }
          readinessProbe:
            httpGet: { path: /, port: http }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: ${ns}
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  minReplicas: 1
  maxReplicas: 3
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: { type: Utilization, averageUtilization: 80 }
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: ${ns}
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: { app: db }
  template:
    metadata:
      labels: { app: db }
    spec:
      containers:
        - name: db
          image: postgres:16
          ports:
            - containerPort: 5432
          volumeMounts:
            - { name: pgdata, mountPath: /var/lib/postgresql/data }
  volumeClaimTemplates:
    - metadata:
        name: pgdata
      spec:
        accessModes: [ReadWriteOnce]
        storageClassName: ${cluster.storageClass}
        resources:
          requests:
            storage: 1Gi
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: ${ns}
spec:
  selector:
    matchLabels: { app: node-agent }
  template:
    metadata:
      labels: { app: node-agent }
    spec:
      containers:
        - name: agent
          image: busybox:1.36
          command: [sleep, infinity]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: ${ns}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: busybox:1.36
          command: ["true"]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: ${ns}
spec:
  schedule: "17 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: busybox:1.36
              command: [date]
---
apiVersion: ${group}/v1
kind: Widget
metadata:
  name: sprocket
  namespace: ${ns}
spec:
  mode: slow
  tags: {}
`,
    },
  };
}
