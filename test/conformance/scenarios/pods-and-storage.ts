import { apply, create, defaultServiceAccount, differs, get, namespace, patch, remove, type Scenario } from '../scenario';

const NS = 'cf-pods';
const pod = (name: string, spec: Record<string, unknown>, ns = NS) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec,
});
const pvc = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'cf-storage' },
  spec,
});

export const POD_AND_STORAGE_SCENARIOS: Scenario[] = [
  {
    name: 'pod',
    about: 'Pod: defaults and admission, QoS, which fields an update may change',
    steps: [
      namespace(NS),
      defaultServiceAccount(NS),
      apply(
        'a Pod with env from a field, probes and a volume',
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
        201,
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
          422,
        ),
        'the real message prints the Go value (with pointers) or a diff of the Go structs',
        ['$.message', '$.details.causes[0].message'],
      ),
      apply(
        'a Pod with guaranteed resources',
        pod('guaranteed', { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }),
        201,
      ),
      apply(
        'a Pod that opts out of the token and has a security context',
        pod('restricted', {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000 },
          containers: [
            { name: 'c', image: 'busybox', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
          ],
          initContainers: [{ name: 'init', image: 'busybox' }],
        }),
        201,
      ),
      create(
        'a Pod naming a missing ServiceAccount is refused',
        pod('nosa', { serviceAccountName: 'missing', containers: [{ name: 'c', image: 'busybox' }] }),
        403,
      ),
      create('a Pod without containers is refused', pod('empty', { containers: [] }), 422),
      create(
        'two containers with the same name are refused',
        pod('twins', {
          containers: [
            { name: 'c', image: 'a' },
            { name: 'c', image: 'b' },
          ],
        }),
        422,
      ),
      create(
        'a volume mount naming no volume is refused',
        pod('mount', { containers: [{ name: 'c', image: 'a', volumeMounts: [{ name: 'x', mountPath: '/x' }] }] }),
        422,
      ),
      remove('delete a Pod: it goes with a grace period', `/api/v1/namespaces/${NS}/pods/guaranteed`, 200),
    ],
  },
  {
    name: 'persistentvolumeclaim',
    about: 'PersistentVolumeClaim: protection finalizer, defaults, quantity form, immutable spec',
    steps: [
      namespace('cf-storage'),
      apply('a claim', pvc('data', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } }), 201),
      get('read back', '/api/v1/namespaces/cf-storage/persistentvolumeclaims/data', 200),
      apply('re-apply: unchanged', pvc('data', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } }), 200),
      differs(
        apply(
          'changing accessModes is refused',
          pvc('data', { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1024Mi' } } }),
          422,
        ),
        'the real message prints the Go value (with pointers) or a diff of the Go structs',
        ['$.message', '$.details.causes[0].message'],
      ),
      apply('a claim without storage request is refused', pvc('nosize', { accessModes: ['ReadWriteOnce'] }), 422),
      apply('a claim without accessModes is refused', pvc('nomode', { resources: { requests: { storage: '1Gi' } } }), 422),
      apply(
        'a block claim with a storage class and a selector',
        pvc('block', {
          accessModes: ['ReadWriteOnce'],
          volumeMode: 'Block',
          storageClassName: 'fast',
          selector: { matchLabels: { tier: 'fast' } },
          resources: { requests: { storage: '0.5Gi' } },
        }),
        201,
      ),
      remove('delete it: the finalizer holds it while it is in use', '/api/v1/namespaces/cf-storage/persistentvolumeclaims/data', 200),
    ],
  },
  {
    name: 'storageclass',
    about: 'StorageClass: defaults and immutable parameters',
    steps: [
      apply(
        'a StorageClass',
        {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: { name: 'conformance-fast' },
          provisioner: 'example.com/fast',
          parameters: { type: 'ssd' },
        },
        201,
      ),
      apply(
        'a StorageClass with everything set',
        {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: { name: 'conformance-slow', annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } },
          provisioner: 'example.com/slow',
          reclaimPolicy: 'Retain',
          volumeBindingMode: 'WaitForFirstConsumer',
          allowVolumeExpansion: true,
          mountOptions: ['noatime'],
        },
        201,
      ),
      patch(
        'changing parameters is refused',
        '/apis/storage.k8s.io/v1/storageclasses/conformance-fast',
        'merge',
        { parameters: { type: 'hdd' } },
        422,
      ),
      patch(
        'changing reclaimPolicy is refused',
        '/apis/storage.k8s.io/v1/storageclasses/conformance-fast',
        'merge',
        { reclaimPolicy: 'Retain' },
        422,
      ),
      create(
        'a StorageClass without provisioner is refused',
        { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'conformance-none' } },
        422,
      ),
    ],
  },
];
