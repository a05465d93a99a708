import type { ResourceStatus } from '../status/report';

/** A resource as the hub stores it from a report: a healthy Deployment in `web` that the sync left unchanged, unless `fields` say otherwise. */
export function storedResource(name: string, fields: Partial<ResourceStatus> = {}): ResourceStatus {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'web',
    name,
    action: 'unchanged',
    error: '',
    health: 'healthy',
    healthMessage: '',
    drifted: false,
    driftDiff: '',
    ...fields,
  };
}
