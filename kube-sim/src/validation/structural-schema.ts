import type { StatusCause } from '../api-error';
import { JsonObject, JsonValue, clone, isObject } from '../json-value';

/** The OpenAPI v3 subset a CRD's structural schema uses. */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  default?: JsonValue;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  enum?: JsonValue[];
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

/** Fills schema defaults and prunes unknown fields, as the apiserver does for custom resources. */
export function defaultAndPrune(schema: Schema, value: JsonValue, root = true): JsonValue {
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (root && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) {
        out[k] = v;
        continue;
      }
      const child = schema.properties?.[k] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (child) out[k] = defaultAndPrune(child, v, false);
      else if (schema['x-kubernetes-preserve-unknown-fields'] || schema.additionalProperties === true) out[k] = v;
    }
    // A default is itself defaulted: `settings: {}` gains the defaults of its fields.
    for (const [k, child] of Object.entries(schema.properties ?? {})) {
      if (!(k in out) && child.default !== undefined) out[k] = defaultAndPrune(child, clone(child.default), false);
    }
    return out;
  }
  if (Array.isArray(value) && schema.items) return value.map((item) => defaultAndPrune(schema.items!, item, false));
  return value;
}

function typeOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(schema: Schema, value: JsonValue): boolean {
  if (!schema.type || schema['x-kubernetes-int-or-string']) return true;
  if (value === null) return !!schema.nullable;
  const actual = typeOf(value);
  return actual === schema.type || (schema.type === 'number' && actual === 'integer');
}

/** Validates against the schema; causes name fields like "spec.size" (metadata is validated elsewhere). */
export function validateAgainstSchema(schema: Schema, value: JsonValue, path = ''): StatusCause[] {
  const causes: StatusCause[] = [];
  const field = path || '<root>';
  const show = (v: JsonValue) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v));
  if (!typeMatches(schema, value)) {
    return [
      {
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: ${show(typeOf(value))}: ${field} in body must be of type ${schema.type}: ${show(typeOf(value))}`,
        field,
      },
    ];
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && (value < schema.minimum || (schema.exclusiveMinimum && value === schema.minimum))) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${field} in body should be greater than or equal to ${schema.minimum}`,
        field,
      });
    }
    if (schema.maximum !== undefined && (value > schema.maximum || (schema.exclusiveMaximum && value === schema.maximum))) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${field} in body should be less than or equal to ${schema.maximum}`,
        field,
      });
    }
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(value)}: ${field} in body should be at least ${schema.minLength} chars long`,
        field,
      });
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      causes.push({ reason: 'FieldValueTooLong', message: `Too long: may not be longer than ${schema.maxLength}`, field });
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(value)}: ${field} in body should match '${schema.pattern}'`,
        field,
      });
    }
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${show(value)}: supported values: ${schema.enum.map((e) => show(e)).join(', ')}`,
      field,
    });
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${value.length}: ${field} in body should have at least ${schema.minItems} items`,
        field,
      });
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      causes.push({ reason: 'FieldValueTooMany', message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`, field });
    if (schema.items) value.forEach((item, i) => causes.push(...validateAgainstSchema(schema.items!, item, `${field}[${i}]`)));
  }
  if (isObject(value)) {
    for (const required of schema.required ?? []) {
      if (!(required in value))
        causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: path ? `${path}.${required}` : required });
    }
    for (const [k, v] of Object.entries(value)) {
      if (!path && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      const child = schema.properties?.[k] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (child) causes.push(...validateAgainstSchema(child, v, path ? `${path}.${k}` : k));
    }
  }
  return causes;
}

/**
 * The first reason structured-merge-diff gives for not typing an applied custom resource
 * against its CRD's schema: an undeclared field, or a value of the wrong kind.
 */
export function undeclaredFieldError(schema: Schema, value: JsonValue, path = ''): string | undefined {
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (!path && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      const child = schema.properties?.[k] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (child) {
        const error = v === null ? undefined : undeclaredFieldError(child, v, `${path}.${k}`);
        if (error) return error;
      } else if (!schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties !== true)
        return `${path}.${k}: field not declared in schema`;
    }
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, item] of value.entries()) {
      const error = item === null ? undefined : undeclaredFieldError(schema.items, item, `${path}[${i}]`);
      if (error) return error;
    }
  }
  return undefined;
}
