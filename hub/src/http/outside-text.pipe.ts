import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { hasControlCharacters, storableText } from '#core';
import { invalidArgument } from './list-query';

/**
 * Refuses a path parameter or query value holding a control character (NUL, ESC…) with a 400
 * that names it, before any handler or query sees it: no route answers 500 because PostgreSQL
 * cannot store or compare such text, and the refused call is audited like any other (pipes run
 * after the auth guard, so the caller is known). Bodies are checked by their contract schemas.
 */
export class OutsideTextPipe implements PipeTransform<unknown, unknown> {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'param' && metadata.type !== 'query') return value;
    const where = metadata.type === 'param' ? 'path parameter' : 'query parameter';
    const found = controlled(value, metadata.data);
    if (found !== undefined) {
      throw invalidArgument(`${where} ${found.name} holds a control character: "${storableText(found.text, 80)}"`);
    }
    return value;
  }
}

function controlled(value: unknown, name: string | undefined): { name: string; text: string } | undefined {
  if (typeof value === 'string') return hasControlCharacters(value) ? { name: name ?? 'value', text: value } : undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = controlled(item, name);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (hasControlCharacters(key)) return { name: storableText(key, 40), text: key };
      const found = controlled(item, name ?? key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
