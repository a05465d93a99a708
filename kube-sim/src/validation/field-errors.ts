import type { StatusCause } from '../api-error';

/**
 * Field errors worded as kube-apiserver's field.Error values print: "Required value",
 * "Invalid value: \"x\": detail", "Forbidden: detail", "Unsupported value: …".
 */
export function goValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function required(field: string, detail?: string): StatusCause {
  return { reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value', field };
}

/** `value` is printed as Go prints it; pass a string already formatted with `shown`. */
export function invalidValue(field: string, value: unknown, detail: string, shown?: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${shown ?? goValue(value)}: ${detail}`, field };
}

export function forbidden(field: string, detail: string): StatusCause {
  return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field };
}

export function notSupported(field: string, value: unknown, supported: string[]): StatusCause {
  return {
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${goValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
    field,
  };
}

export function duplicate(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${goValue(value)}`, field };
}

export function notFound(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueNotFound', message: `Not found: ${goValue(value)}`, field };
}

export function tooLong(field: string, max: number): StatusCause {
  return { reason: 'FieldValueTooLong', message: `Too long: must have at most ${max} bytes`, field };
}

/** "field is immutable", as ValidateImmutableField words it. */
export function immutable(field: string, value: unknown, shown?: string): StatusCause {
  return invalidValue(field, value, 'field is immutable', shown);
}
