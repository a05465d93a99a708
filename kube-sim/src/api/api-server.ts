import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, badRequest, internalError, invalid, notFound, resourceVersionConflict, statusBody } from '../api-error';
import { Discovery } from '../discovery/discovery';
import { ResourceType, apiVersionOf, qualifiedKind } from '../discovery/api-types';
import { applyBuiltinDefaults } from '../defaults/builtin-defaults';
import { JsonObject, JsonValue, KubeObject, clone, deepEqual, isObject } from '../json-value';
import { applyJsonPatch, JsonPatchError, JsonPatchOperation } from '../patch/json-patch';
import { applyMergePatch } from '../patch/merge-patch';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch';
import { conflictMessage, conflictWith, serverSideApply } from '../ssa/apply';
import { Manager, compareObjects, decodeManagedFields, encodeManagedFields, recordUpdate, sameOwnership } from '../ssa/managed-fields';
import { TypeContext } from '../ssa/type-hints';
import { formatPath } from '../ssa/field-set';
import { ObjectStore, typeKeyOf } from '../store/object-store';
import { defaultAndPrune, validateAgainstSchema } from '../validation/structural-schema';
import { errorGroupOf } from '../validation/builtin-validation';
import { invalidValue } from '../validation/field-errors';
import { customResourceSchema } from './custom-resource-schema';
import { Origin, checkAppliedConfiguration, decodeBuiltin } from './decoding';
import { NamespaceGuard } from './namespace-guard';
import { hasGeneration, hasStatusSubresource, specChanged, validateObject } from './object-rules';
import { PatchType, ResourceRequest, WriteOptions, WriteResult, timestamp } from './requests';
import { admitCreate } from './admission';
import { Allocations } from './allocations';
import { customScaleErrors, patchScale, requireScalePaths, scaleOf, scalePathsOf, writeScale } from './scale';
import { randomSuffix } from './random-names';

export { randomSuffix };

/**
 * The API's behaviour for one cluster, free of HTTP: each verb takes a resolved request
 * and returns the code and body kube-apiserver would, or throws an ApiError.
 */
export class ApiServer {
  private readonly allocations = new Allocations();
  readonly namespaces: NamespaceGuard;

  constructor(
    readonly store: ObjectStore,
    readonly discovery: Discovery,
  ) {
    this.namespaces = new NamespaceGuard(store);
  }

  typeKey(type: ResourceType): string {
    return typeKeyOf(type.group, type.resource);
  }

  /** GET of an object or of a subresource (status reads as the object, scale as a Scale). */
  get(request: ResourceRequest): KubeObject {
    const found = this.store.get(this.typeKey(request.type), request.namespace ?? '', request.name!);
    if (!found) throw notFound(subjectOf(request, true));
    if (request.subresource === 'scale') return scaleOf(found, requireScalePaths(this.store, request.type)) as KubeObject;
    return found;
  }

  find(request: ResourceRequest): KubeObject | undefined {
    return this.store.get(this.typeKey(request.type), request.namespace ?? '', request.name!);
  }

  /** POST: create from a full object; the creator owns every field it sent (operation Update). */
  create(request: ResourceRequest, body: JsonValue, options: WriteOptions): WriteResult {
    const object = this.checkBody(request, body, true);
    if (this.find({ ...request, name: object.metadata.name })) {
      throw alreadyExists(subjectOf({ ...request, name: object.metadata.name }));
    }
    return this.writeUpdate({ ...request, name: object.metadata.name }, undefined, object, options);
  }

  /** PUT: replace; a stale metadata.resourceVersion is a 409. Creates when missing. */
  replace(request: ResourceRequest, body: JsonValue, options: WriteOptions): WriteResult {
    if (request.subresource === 'scale') return writeScale(this, request, () => body, options);
    const object = this.checkBody(request, body, false);
    const live = this.find(request);
    const sentVersion = object.metadata['resourceVersion'];
    // Custom resources allow no unconditional update.
    if (live && request.type.custom && (sentVersion === undefined || sentVersion === '')) {
      const { resource, group } = request.type;
      throw invalid(`${resource}.${group}`, resource, group, live.metadata.name, [
        invalidValue('metadata.resourceVersion', 0, 'must be specified for an update', '0x0'),
      ]);
    }
    if (live && sentVersion !== undefined && sentVersion !== '' && sentVersion !== live.metadata['resourceVersion']) {
      throw resourceVersionConflict(subjectOf(request));
    }
    return this.writeUpdate(request, live, object, options);
  }

  patch(request: ResourceRequest, patchType: PatchType, body: JsonValue, options: WriteOptions): WriteResult {
    if (request.subresource === 'scale') return writeScale(this, request, (current) => patchScale(current, patchType, body), options);
    if (patchType === 'apply') return this.apply(request, body, options);
    const live = this.get(request);
    let next: JsonValue;
    try {
      if (patchType === 'merge') next = applyMergePatch(live, body);
      else if (patchType === 'strategic') next = applyStrategicMergePatch(this.typeContext(request.type), live, body);
      else if (Array.isArray(body)) next = applyJsonPatch(live, body as unknown as JsonPatchOperation[]);
      else
        throw badRequest(
          `json: cannot unmarshal ${body === null ? 'null' : typeof body === 'object' ? 'object' : typeof body} into Go value of type jsonpatch.Patch`,
        );
    } catch (error) {
      if (error instanceof JsonPatchError) throw new ApiError(422, statusBody(422, 'Invalid', error.message));
      throw error;
    }
    if (!isObject(next)) throw badRequest('the patch did not produce an object');
    return this.writeUpdate(request, live, next as KubeObject, options, 'patch');
  }

  private apply(request: ResourceRequest, body: JsonValue, options: WriteOptions): WriteResult {
    const { type } = request;
    if (!isObject(body)) throw badRequest('the body of an apply patch must be an object');
    const applied = clone(body) as KubeObject;
    if (applied.kind !== type.kind || applied.apiVersion !== apiVersionOf(type)) {
      throw internalError(
        `failed to merge config: expected objects of the same type, but got ${applied.apiVersion}, Kind=${applied.kind} and ${apiVersionOf(type)}, Kind=${type.kind}`,
      );
    }
    this.checkNameAndNamespace(request, applied);
    checkAppliedConfiguration(type, applied, type.custom ? customResourceSchema(this.store, type) : undefined);
    for (const key of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation']) delete applied.metadata[key];
    if (!request.subresource && hasStatusSubresource(type)) delete applied['status'];
    const live = this.find(request);
    const context = this.typeContext(type);
    const now = timestamp();
    const outcome = serverSideApply(
      {
        context,
        live: live ? withoutManagedFields(live) : undefined,
        liveManagers: live ? decodeManagedFields(live.metadata) : [],
        applied,
        applier: options.fieldManager!,
        apiVersion: apiVersionOf(type),
        force: options.force === true,
        now,
      },
      (merged) => this.prepare(request, live, merged as KubeObject, 'apply'),
    );
    if (!outcome.ok) {
      const causes = outcome.conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: conflictWith(c),
        field: formatPath(c.path),
      }));
      throw new ApiError(409, statusBody(409, 'Conflict', conflictMessage(outcome.conflicts), { causes }));
    }
    return this.commit(request, live, outcome.merged as KubeObject, outcome.managers, options);
  }

  /** Every write that is not an apply: compute ownership by comparing live and next. */
  writeUpdate(
    request: ResourceRequest,
    live: KubeObject | undefined,
    next: KubeObject,
    options: WriteOptions,
    origin: Origin = 'body',
  ): WriteResult {
    const prepared = this.prepare(request, live, withoutManagedFields(next), origin);
    const managers = live ? decodeManagedFields(live.metadata) : [];
    // A status the strategy sets on create (PVC Pending…) is nobody's: only status writes own status.
    const ownable = (o: KubeObject) => {
      const copy = withoutManagedFields(o) as JsonObject;
      if (!live && hasStatusSubresource(request.type) && request.subresource !== 'status') delete copy['status'];
      return copy;
    };
    const changes = compareObjects(this.typeContext(request.type), live ? ownable(live) : undefined, ownable(prepared));
    const manager = options.fieldManager ?? options.defaultManager ?? 'unknown';
    const identity = { manager, operation: 'Update' as const, ...(request.subresource ? { subresource: request.subresource } : {}) };
    // Writes through /scale are recorded without a time; a custom resource's not at all (as v1.24 does).
    const scale = request.subresource === 'scale';
    let updated = recordUpdate(managers, changes, identity, apiVersionOf(request.type), scale ? '' : timestamp());
    if (scale && request.type.custom) updated = updated.filter((m) => m.subresource !== 'scale');
    return this.commit(request, live, prepared, updated, options);
  }

  /** Server-owned metadata, status handling, defaults and custom-resource schema. */
  private prepare(request: ResourceRequest, live: KubeObject | undefined, incoming: KubeObject, origin: Origin): KubeObject {
    const { type } = request;
    let object = decodeBuiltin(type, clone(incoming), origin);
    object.apiVersion = apiVersionOf(type);
    object.kind = type.kind;
    if (request.namespace) object.metadata['namespace'] = request.namespace;
    if (request.name && !object.metadata.name) object.metadata.name = request.name;
    if (live) {
      for (const key of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'resourceVersion']) {
        if (live.metadata[key] !== undefined) object.metadata[key] = live.metadata[key]!;
        else delete object.metadata[key];
      }
      if (hasStatusSubresource(type)) {
        // A status write keeps the live spec; like kube-apiserver's status strategies it may
        // still change annotations (the Deployment controller records its revision that way).
        if (request.subresource === 'status') {
          const annotations = object.metadata['annotations'];
          object = { ...clone(live), status: object['status'] ?? null };
          if (annotations !== undefined) object.metadata['annotations'] = annotations;
        } else if (live['status'] !== undefined) object['status'] = clone(live['status']);
        else delete object['status'];
      }
    } else {
      object.metadata['uid'] = randomUUID();
      object.metadata['creationTimestamp'] = timestamp();
      for (const key of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds']) delete object.metadata[key];
      if (hasGeneration(type)) object.metadata['generation'] = 1;
      if (hasStatusSubresource(type)) delete object['status'];
    }
    if (type.custom) {
      const schema = customResourceSchema(this.store, type);
      if (schema) object = defaultAndPrune(schema, object) as KubeObject;
    } else {
      applyBuiltinDefaults(type.kind, object, {
        creating: !live,
        ...(live ? { live } : {}),
        allocateClusterIP: () => this.allocations.clusterIP(),
        allocateNodePort: () => this.allocations.nodePort(),
      });
    }
    return object;
  }

  private commit(
    request: ResourceRequest,
    live: KubeObject | undefined,
    object: KubeObject,
    managers: Manager[],
    options: WriteOptions,
  ): WriteResult {
    const { type } = request;
    // Admission before validation, as in kube-apiserver: NamespaceLifecycle (first of the
    // admission plugins) refuses a create in a missing or terminating namespace before the
    // object itself is validated, so an invalid object there answers NotFound/Forbidden.
    if (!live && type.namespaced) this.namespaces.assertWritable(request.namespace!, subjectOf({ ...request, name: object.metadata.name }));
    if (!live && !type.custom) admitCreate(this.store, type, object);
    const causes = validateObject(type, object, live);
    if (type.custom) {
      const schema = customResourceSchema(this.store, type);
      if (schema) causes.push(...validateAgainstSchema(schema, object));
      const scale = scalePathsOf(this.store, type);
      if (scale) causes.push(...customScaleErrors(object, scale));
    }
    if (causes.length > 0) {
      const group = errorGroupOf(type.kind, type.group);
      throw invalid(qualifiedKind({ group, kind: type.kind }), type.kind, group, object.metadata.name, causes);
    }
    const managedFields = encodeManagedFields(managers);
    if (managedFields.length > 0) object.metadata['managedFields'] = managedFields;
    else delete object.metadata['managedFields'];
    if (!live) {
      if (options.dryRun) return { code: 201, body: object };
      return { code: 201, body: this.store.put(this.typeKey(type), object) };
    }
    const liveManagers = decodeManagedFields(live.metadata);
    if (deepEqual(withoutManagedFields(live), withoutManagedFields(object)) && sameOwnership(liveManagers, managers)) {
      return { code: 200, body: live };
    }
    if (hasGeneration(type) && specChanged(type, live, object))
      object.metadata['generation'] = Number(live.metadata['generation'] ?? 0) + 1;
    const finalizers = object.metadata['finalizers'];
    if (live.metadata['deletionTimestamp'] && (!Array.isArray(finalizers) || finalizers.length === 0)) {
      if (!options.dryRun) this.store.remove(this.typeKey(type), request.namespace ?? '', object.metadata.name);
      return { code: 200, body: object };
    }
    if (options.dryRun) return { code: 200, body: object };
    return { code: 200, body: this.store.put(this.typeKey(type), object) };
  }

  private checkBody(request: ResourceRequest, body: JsonValue, creating: boolean): KubeObject {
    if (!isObject(body) || !isObject(body['metadata'])) throw badRequest("Object 'metadata' is missing in the request body");
    const object = clone(body) as KubeObject;
    const { type } = request;
    if ((object.kind && object.kind !== type.kind) || (object.apiVersion && object.apiVersion !== apiVersionOf(type))) {
      throw badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`,
      );
    }
    if (creating && !object.metadata.name && typeof object.metadata['generateName'] === 'string') {
      object.metadata.name = `${object.metadata['generateName']}${randomSuffix()}`;
    }
    this.checkNameAndNamespace(request, object);
    return object;
  }

  private checkNameAndNamespace(request: ResourceRequest, object: KubeObject): void {
    if (request.name && object.metadata.name !== undefined && object.metadata.name !== request.name) {
      throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${request.name})`);
    }
    const ns = object.metadata['namespace'];
    if (request.type.namespaced && typeof ns === 'string' && ns !== '' && ns !== request.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  typeContext(type: ResourceType): TypeContext {
    if (!type.custom) return { kind: type.kind, custom: false, apiVersion: apiVersionOf(type) };
    const customSchema = customResourceSchema(this.store, type);
    return { kind: type.kind, custom: true, apiVersion: apiVersionOf(type), ...(customSchema ? { customSchema } : {}) };
  }
}

/** How errors name what a request addresses; a subresource's reads name it ("deployments/scale"). */
export function subjectOf(request: ResourceRequest, withSubresource = false): { resource: string; group: string; name: string } {
  const resource = withSubresource && request.subresource ? `${request.type.resource}/${request.subresource}` : request.type.resource;
  return { resource, group: request.type.group, name: request.name ?? '' };
}

function withoutManagedFields(object: KubeObject): KubeObject {
  const copy = { ...object, metadata: { ...object.metadata } };
  delete copy.metadata['managedFields'];
  return copy;
}
