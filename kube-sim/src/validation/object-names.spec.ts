import { describe, expect, it } from 'vitest';
import { validateAnnotations, validateLabels, validateObjectName } from './object-names';

describe('object names', () => {
  it('accepts DNS subdomains for most kinds, labels for Namespaces, DNS-1035 labels for Services', () => {
    expect(validateObjectName('web.example-1', 'subdomain')).toEqual([]);
    expect(validateObjectName('web.example', 'label')).toHaveLength(1);
    expect(validateObjectName('1web', 'dns1035')[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
    expect(validateObjectName('1web', 'label')).toEqual([]);
  });

  it('requires a name and bounds its length', () => {
    expect(validateObjectName('', 'subdomain')).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' },
    ]);
    expect(validateObjectName('a'.repeat(64), 'label')[0]?.message).toContain('must be no more than 63 characters');
  });

  it('checks label keys (prefix and name) and values', () => {
    expect(validateLabels({ 'example.com/tier': 'front', app: '' })).toEqual([]);
    expect(validateLabels({ 'Bad_Prefix/x': 'y' })[0]?.message).toContain('prefix part');
    expect(validateLabels({ app: 'has space' })).toHaveLength(1);
    expect(validateLabels({ app: 'v'.repeat(64) })[0]?.message).toContain('must be no more than 63 characters');
  });

  it('bounds the total size of annotations', () => {
    expect(validateAnnotations({ note: 'x'.repeat(262_100) })).toEqual([]);
    expect(validateAnnotations({ note: 'x'.repeat(262_200) })[0]).toMatchObject({ reason: 'FieldValueTooLong' });
  });
});
