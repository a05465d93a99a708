import type { StatusCause } from '../api-error';
import { invalidValue } from './field-errors';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/** Which name rule a kind follows (kube-apiserver's per-type ValidateName). */
export type NameRule = 'subdomain' | 'label' | 'dns1035';

export function nameRuleOf(kind: string): NameRule {
  if (kind === 'Namespace') return 'label';
  if (kind === 'Service') return 'dns1035';
  return 'subdomain';
}

export function validateObjectName(name: string, rule: NameRule): StatusCause[] {
  if (name === '')
    return [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }];
  return nameErrors('metadata.name', name, rule);
}

/** What is wrong with a name at `field` under a name rule (length, then pattern). */
export function nameErrors(field: string, name: string, rule: NameRule): StatusCause[] {
  const causes: StatusCause[] = [];
  const maxLength = rule === 'subdomain' ? 253 : 63;
  if (name.length > maxLength) causes.push(invalidValue(field, name, `must be no more than ${maxLength} characters`));
  const [pattern, message] =
    rule === 'subdomain'
      ? [DNS1123_SUBDOMAIN, SUBDOMAIN_MESSAGE]
      : rule === 'label'
        ? [DNS1123_LABEL, LABEL_MESSAGE]
        : [DNS1035_LABEL, DNS1035_MESSAGE];
  if (!pattern.test(name)) causes.push(invalidValue(field, name, message));
  return causes;
}

/** A label key's rule (optional DNS prefix, qualified name): annotation keys, resource names, finalizers. */
export function qualifiedNameErrors(field: string, key: string): StatusCause[] {
  return validateQualifiedName(key, field);
}

function validateQualifiedName(key: string, field: string): StatusCause[] {
  const parts = key.split('/');
  const name = parts.length === 2 ? parts[1] : parts[0];
  const causes: StatusCause[] = [];
  if (parts.length > 2)
    return [
      invalidValue(
        field,
        key,
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      ),
    ];
  if (parts.length === 2 && (parts[0] === '' || parts[0].length > 253 || !DNS1123_SUBDOMAIN.test(parts[0]))) {
    causes.push(invalidValue(field, key, `prefix part ${SUBDOMAIN_MESSAGE}`));
  }
  if (name.length > 63) causes.push(invalidValue(field, key, 'name part must be no more than 63 characters'));
  if (!QUALIFIED_NAME.test(name)) causes.push(invalidValue(field, key, QUALIFIED_NAME_MESSAGE));
  return causes;
}

export function validateLabels(labels: Record<string, unknown> | undefined, field = 'metadata.labels'): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [key, rawValue] of Object.entries(labels ?? {})) {
    causes.push(...validateQualifiedName(key, field));
    const value = String(rawValue);
    if (value.length > 63) causes.push(invalidValue(field, value, 'must be no more than 63 characters'));
    if (!LABEL_VALUE.test(value)) causes.push(invalidValue(field, value, LABEL_VALUE_MESSAGE));
  }
  return causes;
}

export function validateAnnotations(annotations: Record<string, unknown> | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    causes.push(...validateQualifiedName(key.toLowerCase(), 'metadata.annotations'));
    total += key.length + String(value).length;
  }
  if (total > 256 * 1024)
    causes.push({ reason: 'FieldValueTooLong', message: 'Too long: must have at most 262144 bytes', field: 'metadata.annotations' });
  return causes;
}
