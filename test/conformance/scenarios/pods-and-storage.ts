import { expect } from 'vitest';
import { apply, create, defaultServiceAccount, differs, get, namespace, patch, remove, type Scenario } from '../scenario';

const NS = 'cf-pods';
const pod = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec });
const pvc = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'cf-storage' },
  spec,
});
const storageClass = (name: string, rest: Record<string, unknown>) => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  ...rest,
});
const refused = (field: string, message?: unknown) => ({
  status: 422,
  body: { details: { causes: [{ field, ...(message ? { message } : {}) }] } },
});
const GO_DUMP = 'the real message follows with a diff of the Go structs';
const PROBE_DEFAULTS = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
const TOKEN_MOUNT = { readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };

export const POD_AND_STORAGE_SCENARIOS: Scenario[] = [
  {
    name: 'pod',
    about: 'Pod: defaults and admission, QoS, which fields an update may change, graceful deletion',
    transcript: '18-pod-and-storage',
    steps: [
      namespace(NS),
      defaultServiceAccount(NS),
      apply(
        'a Pod with env from a field, probes, volumes and quantities in many spellings',
        pod('web', {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              readinessProbe: { httpGet: { path: '/', port: 80 } },
              livenessProbe: { tcpSocket: { port: 'http' } },
              ports: [{ name: 'http', containerPort: 80 }],
              resources: { requests: { cpu: '0.5', memory: '128974848' }, limits: { cpu: '500m', memory: '129e6' } },
              volumeMounts: [
                { name: 'cache', mountPath: '/cache' },
                { name: 'settings', mountPath: '/etc/settings' },
              ],
            },
          ],
          volumes: [
            { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
            { name: 'settings', configMap: { name: 'settings' } },
          ],
        }),
        {
          status: 201,
          body: {
            spec: {
              containers: [
                {
                  env: [{ valueFrom: { fieldRef: { apiVersion: 'v1' } } }],
                  readinessProbe: { httpGet: { scheme: 'HTTP' }, ...PROBE_DEFAULTS },
                  livenessProbe: PROBE_DEFAULTS,
                  resources: { requests: { cpu: '500m', memory: '128974848' }, limits: { cpu: '500m', memory: '129e6' } },
                  volumeMounts: [{ name: 'cache' }, { name: 'settings' }, TOKEN_MOUNT],
                },
              ],
              volumes: [{ name: 'cache' }, { configMap: { defaultMode: 420 } }, { name: expect.stringMatching(/^kube-api-access-/) }],
              serviceAccountName: 'default',
              serviceAccount: 'default',
              priority: 0,
              enableServiceLinks: true,
              preemptionPolicy: 'PreemptLowerPriority',
              tolerations: [{ key: 'node.kubernetes.io/not-ready' }, { key: 'node.kubernetes.io/unreachable' }],
            },
            status: { phase: 'Pending', qosClass: 'Burstable' },
          },
        },
      ),
      patch(
        'changing the image is allowed',
        `/api/v1/namespaces/${NS}/pods/web`,
        'strategic',
        { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } },
        200,
      ),
      differs(
        patch(
          'changing the resources is refused',
          `/api/v1/namespaces/${NS}/pods/web`,
          'strategic',
          { spec: { containers: [{ name: 'web', resources: { limits: { cpu: '1' } } }] } },
          refused('spec', expect.stringContaining('pod updates may not change fields other than `spec.containers[*].image`')),
        ),
        GO_DUMP,
        ['$.message', '$.details.causes[0].message'],
      ),
      apply(
        'limits only: requests are taken from them, Guaranteed',
        pod('guaranteed', { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }),
        {
          status: 201,
          body: { spec: { containers: [{ resources: { requests: { cpu: '1', memory: '1Gi' } } }] }, status: { qosClass: 'Guaranteed' } },
        },
      ),
      apply(
        'a Pod that opts out of the token, with security contexts: BestEffort',
        pod('restricted', {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000 },
          containers: [
            { name: 'c', image: 'busybox', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
          ],
          initContainers: [{ name: 'init', image: 'busybox' }],
        }),
        { status: 201, body: { status: { qosClass: 'BestEffort' } }, absent: ['spec.volumes'] },
      ),
      create(
        'a Pod naming a missing ServiceAccount is refused',
        pod('nosa', { serviceAccountName: 'missing', containers: [{ name: 'c', image: 'busybox' }] }),
        {
          status: 403,
          body: {
            reason: 'Forbidden',
            message: 'pods "nosa" is forbidden: error looking up service account cf-pods/missing: serviceaccount "missing" not found',
          },
        },
      ),
      create('a Pod without containers is refused', pod('empty', { containers: [] }), refused('spec.containers', 'Required value')),
      create(
        'two containers with the same name are refused',
        pod('twins', {
          containers: [
            { name: 'c', image: 'a' },
            { name: 'c', image: 'b' },
          ],
        }),
        refused('spec.containers[1].name', 'Duplicate value: "c"'),
      ),
      create(
        'a volume mount naming no volume is refused',
        pod('mount', { containers: [{ name: 'c', image: 'a', volumeMounts: [{ name: 'x', mountPath: '/x' }] }] }),
        refused('spec.containers[0].volumeMounts[0].name', 'Not found: "x"'),
      ),
      remove('deleting an unscheduled Pod answers the Pod, deleted at once', `/api/v1/namespaces/${NS}/pods/guaranteed`, {
        status: 200,
        body: { kind: 'Pod', metadata: { deletionTimestamp: expect.any(String), deletionGracePeriodSeconds: 0 } },
      }),
      get('it is gone', `/api/v1/namespaces/${NS}/pods/guaranteed`, 404),
    ],
  },
  {
    name: 'persistentvolumeclaim',
    about: 'PersistentVolumeClaim: protection finalizer, defaults, quantity form, immutable spec',
    transcript: '18-pod-and-storage',
    steps: [
      namespace('cf-storage'),
      apply('a claim', pvc('data', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } }), {
        status: 201,
        body: {
          metadata: { finalizers: ['kubernetes.io/pvc-protection'] },
          spec: { volumeMode: 'Filesystem', resources: { requests: { storage: '1Gi' } } },
          status: { phase: 'Pending' },
        },
      }),
      get('read back', '/api/v1/namespaces/cf-storage/persistentvolumeclaims/data', 200),
      apply('re-apply: unchanged', pvc('data', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } }), 200),
      differs(
        apply(
          'changing accessModes is refused',
          pvc('data', { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1024Mi' } } }),
          refused('spec', expect.stringContaining('spec is immutable after creation except resources.requests for bound claims')),
        ),
        GO_DUMP,
        ['$.message', '$.details.causes[0].message'],
      ),
      apply(
        'a claim without storage request is refused',
        pvc('nosize', { accessModes: ['ReadWriteOnce'] }),
        refused('spec.resources[storage]', 'Required value'),
      ),
      apply(
        'a claim without accessModes is refused',
        pvc('nomode', { resources: { requests: { storage: '1Gi' } } }),
        refused('spec.accessModes', 'Required value: at least 1 access mode is required'),
      ),
      apply(
        'a block claim with an empty storage class (kept: it means no class) and a selector',
        pvc('block', {
          accessModes: ['ReadWriteOnce'],
          volumeMode: 'Block',
          storageClassName: '',
          selector: { matchLabels: { tier: 'fast' } },
          resources: { requests: { storage: '0.5Gi' } },
        }),
        { status: 201, body: { spec: { storageClassName: '', volumeMode: 'Block', resources: { requests: { storage: '512Mi' } } } } },
      ),
      remove('delete it: the finalizer holds it a moment', '/api/v1/namespaces/cf-storage/persistentvolumeclaims/data', {
        status: 200,
        body: { metadata: { deletionTimestamp: expect.any(String), finalizers: ['kubernetes.io/pvc-protection'] } },
      }),
    ],
  },
  {
    name: 'storageclass',
    about: 'StorageClass: defaults and immutable parameters',
    transcript: '18-pod-and-storage',
    steps: [
      apply('a StorageClass', storageClass('conformance-fast', { provisioner: 'example.com/fast', parameters: { type: 'ssd' } }), {
        status: 201,
        body: { reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' },
      }),
      apply(
        'a StorageClass with everything set',
        storageClass('conformance-slow', {
          metadata: { name: 'conformance-slow', annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } },
          provisioner: 'example.com/slow',
          reclaimPolicy: 'Retain',
          volumeBindingMode: 'WaitForFirstConsumer',
          allowVolumeExpansion: true,
          mountOptions: ['noatime'],
        }),
        201,
      ),
      patch(
        'changing parameters is refused',
        '/apis/storage.k8s.io/v1/storageclasses/conformance-fast',
        'merge',
        { parameters: { type: 'hdd' } },
        refused('parameters', 'Forbidden: updates to parameters are forbidden.'),
      ),
      patch(
        'changing reclaimPolicy is refused',
        '/apis/storage.k8s.io/v1/storageclasses/conformance-fast',
        'merge',
        { reclaimPolicy: 'Retain' },
        refused('reclaimPolicy', 'Forbidden: updates to reclaimPolicy are forbidden.'),
      ),
      create(
        'a StorageClass without provisioner is refused',
        storageClass('conformance-none', {}),
        refused('provisioner', 'Required value'),
      ),
    ],
  },
];
