/** Kubernetes naming rules, as hub (fleet format, registration) and agent (config) enforce them. */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Names of namespaces, clusters and bundles: lower-case alphanumerics and '-', at most 63. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function isLabelKey(value: string): boolean {
  const slash = value.lastIndexOf('/');
  const name = slash === -1 ? value : value.slice(slash + 1);
  if (slash !== -1 && !isDns1123Subdomain(value.slice(0, slash))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** A label value: empty, or at most 63 alphanumerics with '-', '_' and '.' inside. */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}
