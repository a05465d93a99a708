import type { ResourceType } from '../discovery/api-types';

/** What a request path addresses: a type, maybe a namespace, maybe an object and subresource. */
export interface ResourceRequest {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface WriteOptions {
  dryRun: boolean;
  fieldManager?: string;
  /** Set when no fieldManager was given: the manager name derived from the User-Agent. */
  defaultManager?: string;
  force?: boolean;
}

export type PatchType = 'apply' | 'merge' | 'json' | 'strategic';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+json': 'apply',
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
};

export interface DeleteOptions {
  dryRun: boolean;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  /** Exact or NotOlderThan; only Exact can name a version compacted away (410). */
  resourceVersionMatch?: string;
}

/** The result of a write: HTTP code and the object (or Status) to send back. */
export interface WriteResult {
  code: number;
  body: object;
}

/** Kubernetes timestamps: RFC 3339 in seconds. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
