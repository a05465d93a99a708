import { ErrorSubject, forbidden, notFound } from '../api-error';
import { ObjectStore, typeKeyOf } from '../store/object-store';

export const NAMESPACES = typeKeyOf('', 'namespaces');

/** Namespaced writes need an existing namespace that is not being terminated. */
export class NamespaceGuard {
  constructor(private readonly store: ObjectStore) {}

  assertWritable(namespace: string, subject: ErrorSubject): void {
    const ns = this.store.get(NAMESPACES, '', namespace);
    if (!ns) throw notFound({ resource: 'namespaces', group: '', name: namespace });
    if (ns.metadata['deletionTimestamp']) {
      const what = subject.group ? `${subject.resource}.${subject.group}` : subject.resource;
      throw forbidden(
        `${what} "${subject.name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name: subject.name,
          ...(subject.group ? { group: subject.group } : {}),
          kind: subject.resource,
          causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
        },
      );
    }
  }

  exists(namespace: string): boolean {
    return this.store.get(NAMESPACES, '', namespace) !== undefined;
  }
}
