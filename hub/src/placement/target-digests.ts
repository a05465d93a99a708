import { sha256Hex } from '#core';
import type { KnownTargets, TargetSpec } from './target-set';

/** A digest remembered, and the last pass that used it. */
interface Known {
  digest: string;
  pass: number;
}

/**
 * targetDigest of the targets a TargetBuilder builds, remembered from one placement pass to the
 * next. A target built from the same bundle target (the same canonical text) with the same
 * values has the same digest, so a fleet commit that changes one bundle of ten hashes the
 * targets of that one again, not all ten: at 10,000 clusters, 10,000 SHA-256s of a target's
 * text a pass instead of 100,000, and none of the flat copies of each text that hashing makes.
 *
 * What it holds follows from its keys alone, never from what is stored, so replicas need not
 * agree on it and it is never stale. A pass over every cluster forgets what it did not use: the
 * memory stays that of one fleet (about 200 bytes a target: 20 MB at 10,000 clusters of ten
 * bundles, bench/placement-pass.ts).
 */
export class TargetDigests {
  /** Bundle target text → the cluster values' JSON → the digest of the target built from both. */
  private readonly known = new Map<string, Map<string, Known>>();
  private passes = 0;

  /** `compute` gives a target's digest from its canonical text (a test counts its calls). */
  constructor(private readonly compute: (text: string) => string = sha256Hex) {}

  /**
   * The digests of one pass. `wholeFleet`: the pass places every active cluster, and what it
   * does not use is forgotten when it ends (`end`).
   */
  forPass(wholeFleet: boolean): PassDigests {
    const pass = ++this.passes;
    return new PassDigests(this.known, pass, this.compute, () => {
      if (wholeFleet) this.forgetAllBut(pass);
    });
  }

  /** How many digests are remembered (for tests). */
  get size(): number {
    let size = 0;
    for (const byValues of this.known.values()) size += byValues.size;
    return size;
  }

  private forgetAllBut(pass: number): void {
    // forEach rather than for-of: no entry array per digest.
    this.known.forEach((byValues, text) => {
      byValues.forEach((known, values) => {
        if (known.pass !== pass) byValues.delete(values);
      });
      if (byValues.size === 0) this.known.delete(text);
    });
  }
}

/** The digests of one placement pass (TargetDigests.forPass). */
export class PassDigests {
  /** Per bundle target of this pass (the builder's object): the digests known of targets built from it. */
  private readonly byFrom = new Map<TargetSpec, Map<string, Known>>();

  constructor(
    private readonly known: Map<string, Map<string, Known>>,
    private readonly pass: number,
    private readonly compute: (text: string) => string,
    private readonly ended: () => void,
  ) {}

  /** targetDigest(target), remembered when a TargetBuilder built the target (`known` says, and gives its text). */
  digestOf(target: TargetSpec, known: KnownTargets): string {
    const built = known.builtFrom(target);
    if (built === undefined) return this.compute(known.textOf(target));
    const byValues = this.byValuesOf(built.from, known);
    const remembered = byValues.get(built.valuesJson);
    if (remembered !== undefined) {
      remembered.pass = this.pass;
      return remembered.digest;
    }
    const digest = this.compute(known.textOf(target));
    byValues.set(built.valuesJson, { digest, pass: this.pass });
    return digest;
  }

  /**
   * Keeps what is known of these targets' digests, computing none: for a cluster whose TargetSet
   * is as stored, which a pass over the whole fleet would otherwise forget.
   */
  keep(targets: readonly TargetSpec[], known: KnownTargets): void {
    for (const target of targets) {
      const built = known.builtFrom(target);
      const remembered = built === undefined ? undefined : this.byValuesOf(built.from, known).get(built.valuesJson);
      if (remembered !== undefined) remembered.pass = this.pass;
    }
  }

  /** The pass is done. A pass that failed need not call it: what it did not use is then forgotten later. */
  end(): void {
    this.ended();
  }

  private byValuesOf(from: TargetSpec, known: KnownTargets): Map<string, Known> {
    let byValues = this.byFrom.get(from);
    if (byValues === undefined) {
      const text = known.textOf(from);
      byValues = this.known.get(text);
      if (byValues === undefined) this.known.set(text, (byValues = new Map()));
      this.byFrom.set(from, byValues);
    }
    return byValues;
  }
}
