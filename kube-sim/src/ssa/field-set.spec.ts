import { describe, expect, it } from 'vitest';
import { FieldSet, fieldSetFromFieldsV1, fieldSetToFieldsV1, formatPath } from './field-set';

describe('FieldSet', () => {
  const tree = { 'f:data': { '.': {}, 'f:a': {} }, 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } };

  it('reads FieldsV1: leaves and nodes marked with "." are members, their parents are not', () => {
    const set = fieldSetFromFieldsV1(tree);
    expect(set.has(['f:data'])).toBe(true);
    expect(set.has(['f:data', 'f:a'])).toBe(true);
    expect(set.has(['f:spec'])).toBe(false);
    expect(set.has(['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'])).toBe(true);
    expect(set.size).toBe(4);
  });

  it('writes back the same tree, keys sorted', () => {
    expect(fieldSetToFieldsV1(fieldSetFromFieldsV1(tree))).toEqual(tree);
    expect(Object.keys(fieldSetToFieldsV1(FieldSet.ofPaths([['f:b'], ['f:a']])))).toEqual(['f:a', 'f:b']);
  });

  it('does set algebra and prefix queries', () => {
    const a = FieldSet.ofPaths([['f:x'], ['f:y', 'f:z']]);
    const b = FieldSet.ofPaths([['f:y', 'f:z'], ['f:w']]);
    expect(a.intersection(b).paths()).toEqual([['f:y', 'f:z']]);
    expect(a.difference(b).paths()).toEqual([['f:x']]);
    expect(a.union(b).size).toBe(3);
    expect(a.hasPrefix(['f:y'])).toBe(true);
    expect(a.hasPrefix(['f:yy'])).toBe(false);
    expect(a.equals(FieldSet.ofPaths([['f:y', 'f:z'], ['f:x']]))).toBe(true);
  });

  it('formats paths as conflict messages do', () => {
    expect(formatPath(['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'])).toBe('.spec.containers[name="web"].image');
    expect(formatPath(['f:metadata', 'f:finalizers', 'v:"a"'])).toBe('.metadata.finalizers[="a"]');
  });
});
