import { HealthStatus } from '#proto';

/** A live Kubernetes object as read from the API server: plain JSON data. */
export interface KubeObjectLike {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    namespace?: string;
    generation?: number;
    deletionTimestamp?: unknown;
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
}

export interface HealthAssessment {
  status: HealthStatus;
  message: string;
}

/** A condition as most controllers write it (`status.conditions[]`). */
export interface Condition {
  type: string;
  /** 'True', 'False' or 'Unknown' as the API documents; any string as a controller may write. */
  status: string;
  reason?: string;
  message?: string;
}

export const healthy = (message = ''): HealthAssessment => ({ status: HealthStatus.HEALTH_STATUS_HEALTHY, message });
export const progressing = (message: string): HealthAssessment => ({ status: HealthStatus.HEALTH_STATUS_PROGRESSING, message });
export const degraded = (message: string): HealthAssessment => ({ status: HealthStatus.HEALTH_STATUS_DEGRADED, message });
export const suspended = (message: string): HealthAssessment => ({ status: HealthStatus.HEALTH_STATUS_SUSPENDED, message });
export const unknown = (message: string): HealthAssessment => ({ status: HealthStatus.HEALTH_STATUS_UNKNOWN, message });

/** `Deployment "web"` — the prefix of every message about one object. */
export function describe(object: KubeObjectLike): string {
  return `${object.kind} "${object.metadata.name ?? ''}"`;
}

/** A plain record view of a field that may be absent or of any shape. */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function numberField(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function conditionsOf(object: KubeObjectLike): Condition[] {
  const conditions = record(object.status).conditions;
  if (!Array.isArray(conditions)) return [];
  return conditions.filter((c): c is Condition => typeof c === 'object' && c !== null && typeof (c as Condition).type === 'string');
}

export function findCondition(object: KubeObjectLike, type: string): Condition | undefined {
  return conditionsOf(object).find((c) => c.type === type);
}

/** `Reason: message` of a condition, whichever parts it has. */
export function conditionText(condition: Condition): string {
  return [condition.reason, condition.message].filter((part) => part !== undefined && part !== '').join(': ');
}
