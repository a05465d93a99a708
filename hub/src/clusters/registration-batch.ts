import type { PresentedToken, TokenRow } from './bootstrap-tokens.service';
import { tokenRefusal } from './bootstrap-tokens.service';
import { RegistrationError, type RegistrationRequest } from './registration';

/** A cluster already stored under a UID or a name a batch asks for. */
export interface StoredCluster {
  id: string;
  name: string;
  kubeSystemUid: string;
}

/** A registration the batch will write: the cluster it becomes and the stored token it uses (if any). */
export interface AdmittedRegistration {
  request: RegistrationRequest;
  id: string;
  /** The stored name for a known UID (a re-registration keeps it), else the requested one. */
  name: string;
  reRegistration: boolean;
  tokenId: string | undefined;
}

export type RegistrationDecision =
  { admitted: AdmittedRegistration; refused?: undefined } | { refused: RegistrationError; admitted?: undefined };

/** What a batch is decided against: each request's token, the stored tokens and clusters it touches, and the per-request checks. */
export interface BatchFacts {
  tokens: readonly (PresentedToken | RegistrationError)[];
  storedTokens: ReadonlyMap<string, TokenRow>;
  stored: readonly StoredCluster[];
  /** Throws a RegistrationError for a request the hub refuses whatever else is stored (name, labels, CSR). */
  check: (request: RegistrationRequest) => void;
  newId: () => string;
  now?: Date;
}

/**
 * Decides a batch of registrations as if they had arrived one after another, in order: each
 * sees the token uses and the names the ones before it took. Per request, in the order a lone
 * registration is refused: the token, then the request itself, then a registration of the same
 * UID earlier in the batch, then a name held by another UID.
 */
export function decideRegistrations(requests: readonly RegistrationRequest[], facts: BatchFacts): RegistrationDecision[] {
  const byUid = new Map(facts.stored.map((c) => [c.kubeSystemUid, c]));
  const nameHolder = new Map(facts.stored.map((c) => [c.name, c.kubeSystemUid]));
  const usedInBatch = new Map<string, number>();
  const uidsInBatch = new Set<string>();
  return requests.map((request, i): RegistrationDecision => {
    try {
      const token = facts.tokens[i];
      if (token instanceof RegistrationError) throw token;
      let tokenId: string | undefined;
      if (token.kind === 'stored') {
        const row = facts.storedTokens.get(token.hash);
        if (row === undefined) throw new RegistrationError('unauthenticated', 'invalid bootstrap token');
        const refused = tokenRefusal(row, usedInBatch.get(row.id) ?? 0, facts.now);
        if (refused !== undefined) throw refused;
        tokenId = row.id;
      }
      facts.check(request);
      if (uidsInBatch.has(request.clusterUid)) {
        throw new RegistrationError('already_exists', 'a registration of this cluster is already in progress');
      }
      const known = byUid.get(request.clusterUid);
      const holder = nameHolder.get(request.name);
      if (known === undefined && holder !== undefined && holder !== request.clusterUid) {
        throw new RegistrationError('already_exists', `cluster name "${request.name}" is held by another cluster`);
      }
      uidsInBatch.add(request.clusterUid);
      if (known === undefined) nameHolder.set(request.name, request.clusterUid);
      if (tokenId !== undefined) usedInBatch.set(tokenId, (usedInBatch.get(tokenId) ?? 0) + 1);
      return {
        admitted: {
          request,
          id: known?.id ?? facts.newId(),
          name: known?.name ?? request.name,
          reRegistration: known !== undefined,
          tokenId,
        },
      };
    } catch (error) {
      if (error instanceof RegistrationError) return { refused: error };
      throw error;
    }
  });
}

/** How many registrations each stored token admitted. */
export function tokenUses(admitted: readonly AdmittedRegistration[]): Map<string, number> {
  const uses = new Map<string, number>();
  for (const a of admitted) if (a.tokenId !== undefined) uses.set(a.tokenId, (uses.get(a.tokenId) ?? 0) + 1);
  return uses;
}
