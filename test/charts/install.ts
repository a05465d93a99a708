/**
 * Installing a chart into the real control plane and running its process out of cluster with
 * what the kubelet would give its pod: there is no kubelet here, so the environment of the
 * installed Deployment is read back from the API server and resolved (values, the namespace,
 * Secret keys), and the Secret volumes it mounts are written below a scratch directory, with
 * the paths in the environment pointing there.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHARTS_DIR, runHelmWithValues, type HelmValues } from '../support/helm';
import { ApiStatusError, type RealCluster } from '../support/real-cluster';
import type { ChartName } from './matrix';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

interface PodTemplate {
  containers: { env: EnvVar[]; volumeMounts?: { name: string; mountPath: string }[] }[];
  volumes?: { name: string; secret?: { secretName: string; optional?: boolean } }[];
}

/** `helm install` or `helm upgrade` (verb) with the admin kubeconfig; rejects with helm's message. */
export async function helm(
  cluster: RealCluster,
  verb: 'install' | 'upgrade',
  chart: ChartName,
  release: string,
  namespace: string,
  values: HelmValues,
): Promise<string> {
  const result = await runHelmWithValues(
    [verb, release, join(CHARTS_DIR, chart), '--namespace', namespace, ...(verb === 'install' ? ['--create-namespace'] : [])],
    values,
    { kubeconfigPath: cluster.info.kubeconfigPath },
  );
  if (result.code !== 0) throw new Error(`helm ${verb} ${release} failed: ${result.stderr}`);
  return result.stdout;
}

async function secretData(cluster: RealCluster, namespace: string, name: string, optional = false): Promise<Record<string, string>> {
  try {
    const secret = (await cluster.request('GET', `/api/v1/namespaces/${namespace}/secrets/${name}`)) as { data?: Record<string, string> };
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  } catch (error) {
    if (optional && error instanceof ApiStatusError && error.code === 404) return {};
    throw error;
  }
}

/**
 * The environment of the Deployment's first container as its pod would see it, with each
 * Secret volume's files written below `root` (and the environment's paths moved there).
 */
export async function podEnvironment(cluster: RealCluster, namespace: string, deployment: string, root?: string): Promise<Record<string, string>> {
  const object = (await cluster.request('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/${deployment}`)) as {
    spec: { template: { spec: PodTemplate } };
  };
  const pod = object.spec.template.spec;
  const container = pod.containers[0];
  const env: Record<string, string> = {};
  for (const variable of container.env) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[variable.name] = namespace;
    else if (ref) {
      const value = (await secretData(cluster, namespace, ref.name, ref.optional))[ref.key];
      if (value !== undefined) env[variable.name] = value;
      else if (!ref.optional) throw new Error(`Secret ${ref.name} has no key ${ref.key}: the pod would not start`);
    } else throw new Error(`the chart sets ${variable.name} in a way this helper cannot resolve`);
  }
  if (root === undefined) return env;
  for (const mount of container.volumeMounts ?? []) {
    const secret = pod.volumes?.find((v) => v.name === mount.name)?.secret;
    if (!secret) continue;
    const dir = join(root, mount.mountPath);
    await mkdir(dir, { recursive: true });
    for (const [key, value] of Object.entries(await secretData(cluster, namespace, secret.secretName, secret.optional)))
      await writeFile(join(dir, key), value, { mode: 0o440 });
    for (const [name, value] of Object.entries(env)) env[name] = value.split(mount.mountPath).join(dir);
  }
  return env;
}

export async function exists(cluster: RealCluster, path: string): Promise<boolean> {
  try {
    await cluster.request('GET', path);
    return true;
  } catch (error) {
    if (error instanceof ApiStatusError && error.code === 404) return false;
    throw error;
  }
}

/** Creates an object as the admin; one that exists already is left as it is. */
export async function createIfAbsent(cluster: RealCluster, collection: string, object: Record<string, unknown>): Promise<void> {
  await cluster.request('POST', collection, object).catch((error: unknown) => {
    if (!(error instanceof ApiStatusError && error.code === 409)) throw error;
  });
}
