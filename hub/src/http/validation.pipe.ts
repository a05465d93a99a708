import { type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { invalidArgument } from './list-query';

/**
 * Validates a request's query or body with its contract schema, answering a bad one with
 * `400 { code: "invalid_argument", message }` where the message names the field:
 * `limit must be an integer from 1 to 500`. Empty query parameters (`?state=`) count as absent.
 */
export class ZodValidationPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<T> {
    const input = metadata.type === 'query' ? withoutEmpty(value) : (value ?? {});
    const result = this.schema.safeParse(input);
    if (result.success) return result.data;
    throw invalidArgument(describeIssues(result.error.issues, metadata.type === 'query' ? 'query' : 'body'));
  }
}

/** "name must be …; role must be one of …": each issue after the top-level field it is about. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], whole: string): string {
  const seen = new Set<string>();
  for (const issue of issues) {
    const field = issue.path.length === 0 ? whole : String(issue.path[0]);
    seen.add(`${field} ${issue.message}`);
  }
  return [...seen].join('; ');
}

function withoutEmpty(query: unknown): Record<string, unknown> {
  if (typeof query !== 'object' || query === null) return {};
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== '' && v !== undefined));
}
