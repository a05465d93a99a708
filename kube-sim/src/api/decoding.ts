import { ApiError, badRequest, internalError, statusBody } from '../api-error';
import type { ResourceType } from '../discovery/api-types';
import { apiVersionOf } from '../discovery/api-types';
import type { KubeObject } from '../json-value';
import { kindType, structType } from '../schema/builtin-schema';
import { DecodeError, storedForm } from '../schema/stored-form';
import { QuantityError } from '../schema/quantity';
import { typedPatchError } from '../schema/typed-patch';
import { Schema, undeclaredFieldError } from '../validation/structural-schema';

const OBJECT_META = structType('meta.v1.ObjectMeta')!;

/** Where the object being decoded came from: each is refused with its own answer. */
export type Origin = 'body' | 'patch' | 'apply';

/** "apps/v1, Kind=Deployment", "/v1, Kind=Secret": how the apiserver names a kind in errors. */
function gvk(type: ResourceType): string {
  return `${type.group}/${type.version}, Kind=${type.kind}`;
}

function objectKey(object: KubeObject): string {
  const ns = object.metadata['namespace'];
  return `${typeof ns === 'string' ? ns : ''}/${object.metadata.name ?? ''}`;
}

/**
 * A built-in object in the form kube-apiserver stores (see storedForm); custom resources and
 * kinds without a recorded schema pass as they are. A value the Go type cannot hold is
 * refused as the real server refuses it from that origin.
 */
export function decodeBuiltin(type: ResourceType, object: KubeObject, origin: Origin): KubeObject {
  if (type.custom) return withStoredMetadata(object);
  const root = kindType(apiVersionOf(type), type.kind);
  if (!root) return object;
  try {
    return storedForm(root, object) as KubeObject;
  } catch (error) {
    if (!(error instanceof DecodeError || error instanceof QuantityError)) throw error;
    const fromJson = error instanceof DecodeError && error.fromJsonDecoder;
    if (origin === 'body')
      return refuse(badRequest(`${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${error.message}`));
    if (origin === 'apply')
      return refuse(
        internalError(
          `failed to convert new object (${objectKey(object)}; ${gvk(type)}) to proper version: unable to convert unstructured object to ${gvk(type)}: ${fromJson ? 'error decoding from json: ' : ''}${error.message}`,
        ),
      );
    // The real message quotes the whole patched object (Secret values included); this one does not.
    const message = `Invalid value: "<the patched ${type.kind}>": ${fromJson ? 'error decoding from json: ' : ''}${error.message}`;
    return refuse(
      new ApiError(
        422,
        statusBody(422, 'Invalid', ` "" is invalid: patch: ${message}`, {
          causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }],
        }),
      ),
    );
  }
}

/** A custom resource is stored as written, but for its metadata, which is an ObjectMeta like any other. */
function withStoredMetadata(object: KubeObject): KubeObject {
  try {
    return { ...object, metadata: storedForm(OBJECT_META, object.metadata) as KubeObject['metadata'] };
  } catch (error) {
    if (error instanceof DecodeError) return object;
    throw error;
  }
}

function refuse(error: ApiError): never {
  throw error;
}

/**
 * Refuses an applied configuration that does not fit the kind's schema, or the custom
 * resource's (500, as kube-apiserver).
 */
export function checkAppliedConfiguration(type: ResourceType, applied: KubeObject, customSchema?: Schema): void {
  let error: string | undefined;
  if (type.custom) error = customSchema && undeclaredFieldError(customSchema, applied);
  else {
    const root = kindType(apiVersionOf(type), type.kind);
    error = root && typedPatchError(root, applied);
  }
  if (error) throw internalError(`failed to create typed patch object (${objectKey(applied)}; ${gvk(type)}): ${error}`);
}
