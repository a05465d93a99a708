import { badRequest, gone, ApiError, statusBody } from '../api-error';
import { apiVersionOf } from '../discovery/api-types';
import { KubeObject } from '../json-value';
import { parseFieldSelector, matchesFields } from '../selectors/field-selector';
import { SelectorError, matchesRequirements, parseLabelSelector } from '../selectors/label-selector';
import type { ApiServer } from './api-server';
import type { ListOptions, ResourceRequest } from './requests';

/** A compiled label + field selector. */
export type ObjectFilter = (object: KubeObject) => boolean;

export function compileFilter(options: ListOptions): ObjectFilter {
  try {
    const labels = parseLabelSelector(options.labelSelector ?? '');
    const fields = parseFieldSelector(options.fieldSelector ?? '');
    return (o) => matchesRequirements(o.metadata['labels'] as Record<string, string> | undefined, labels) && matchesFields(o, fields);
  } catch (error) {
    if (error instanceof SelectorError) throw badRequest(error.message);
    throw error;
  }
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, start: string): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv, start };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof parsed.start !== 'string') throw new Error('no start');
    return parsed;
  } catch {
    throw new ApiError(
      400,
      statusBody(400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'),
    );
  }
}

/**
 * LIST: items in key order, filtered by selectors, paged by limit/continue. Items of
 * built-in kinds carry no apiVersion/kind, as kube-apiserver sends them.
 */
export function listObjects(api: ApiServer, request: ResourceRequest, options: ListOptions): object {
  const { type } = request;
  const filter = compileFilter(options);
  const keyOf = (o: KubeObject) =>
    request.namespace || !type.namespaced ? o.metadata.name : `${String(o.metadata['namespace'])}/${o.metadata.name}`;
  let items = api.store.list(api.typeKey(type), request.namespace).filter(filter);
  let rv = api.store.resourceVersion;
  if (options.resourceVersionMatch === 'Exact' && options.resourceVersion) {
    const requested = Number(options.resourceVersion);
    if (!(requested >= api.store.oldestWatchableVersion))
      throw gone(`too old resource version: ${options.resourceVersion} (${api.store.resourceVersion})`);
  }
  if (options.continueToken) {
    const token = decodeContinue(options.continueToken);
    // The snapshot a continue token names must still be in history (etcd compaction).
    if (token.rv < api.store.oldestWatchableVersion) {
      throw gone(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      );
    }
    rv = token.rv;
    items = items.filter((o) => keyOf(o) + '\u0000' > token.start);
  }
  // Lists of custom resources are unstructured: their metadata always carries a continue token.
  const metadata: Record<string, unknown> = type.custom ? { continue: '', resourceVersion: String(rv) } : { resourceVersion: String(rv) };
  if (options.limit && options.limit > 0 && items.length > options.limit) {
    const remaining = items.length - options.limit;
    items = items.slice(0, options.limit);
    metadata['continue'] = encodeContinue(rv, keyOf(items[items.length - 1]) + '\u0000');
    if (!options.labelSelector && !options.fieldSelector) metadata['remainingItemCount'] = remaining;
  }
  const listed = type.custom
    ? items
    : items.map((o) => {
        const copy: Record<string, unknown> = { ...o };
        delete copy['apiVersion'];
        delete copy['kind'];
        return copy;
      });
  return { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata, items: listed };
}
