/** Fleet repository files the end-to-end specs share. */

/**
 * A `web` Bundle: apps/web into `default`, for every cluster. `spec` is YAML appended under
 * `spec:` (indented by two spaces): a syncPolicy, a rollout…
 */
export function webBundle(spec = ''): string {
  return `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: web
spec:
  source:
    path: apps/web
  namespace: default
  targets:
    - clusterSelector: {}
${spec}`;
}

/** A fleet of one bundle, `web` (a ConfigMap in `default`), for every cluster. */
export const ONE_WEB_BUNDLE: Readonly<Record<string, string>> = {
  'fleet/web.yaml': webBundle(),
  'apps/web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: hello\n',
};

/** A Bundle `name` of apps/<name> into `namespace`, for every cluster. */
export function bundleFor(name: string, namespace: string): string {
  return `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: ${name}
spec:
  source:
    path: apps/${name}
  namespace: ${namespace}
  targets:
    - clusterSelector: {}
`;
}
