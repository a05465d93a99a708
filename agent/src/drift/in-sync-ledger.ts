/**
 * Per object, what was last found in sync: the fingerprint of its desired manifest and of the
 * live object at that moment (fingerprintOf both). While both are still the same, the object
 * is in sync without asking the API server: a dry-run of the same manifest against the same
 * live object answers the same. Syncs and drift checks both read and write it; only
 * fingerprints are kept, never copies of objects. The periodic resync forgets a bundle's marks
 * first, so that everything is dry-run again against the server as it is now (a changed
 * webhook, schema default or quota shows there).
 */
export interface InSyncMark {
  /** inventoryKey of the object. */
  key: string;
  /** Fingerprint of the live object when it was found in sync. */
  live: string;
  /** Fingerprint of the desired manifest it was found in sync with. */
  desired: string;
}

export class InSyncLedger {
  private readonly marks = new Map<string, { live: string; desired: string }>();

  record(mark: InSyncMark): void {
    this.marks.set(mark.key, { live: mark.live, desired: mark.desired });
  }

  /** Whether the object is known in sync: the same desired manifest, and live as it was then. */
  holds(key: string, desired: string, live: string | undefined): boolean {
    const mark = this.marks.get(key);
    return mark !== undefined && live !== undefined && mark.live === live && mark.desired === desired;
  }

  forget(keys: Iterable<string>): void {
    for (const key of keys) this.marks.delete(key);
  }

  get size(): number {
    return this.marks.size;
  }
}
