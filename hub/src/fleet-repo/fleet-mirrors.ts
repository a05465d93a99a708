import { join } from 'node:path';
import type { FleetRepoConfig, HubConfig } from '../config/hub-config';
import { ArtifactPackError, type ArtifactPacker, type PackRequest } from '../artifacts/artifact-packer';
import { refusedByPolicy } from '../artifacts/manifest-policy';
import type { BundleDocument, FleetError } from './fleet-format';
import type { RepositoryMirror } from './git-mirror';
import { GitWorker, WorkerMirror } from './git-worker-client';
import { sameRepository } from './repo-identity';
import { canonicalJson, DEFAULT_BUNDLE_POLICY, stripUserinfo } from '#core';

/**
 * The hub's mirrors of fleet and source repositories, and the packing of bundle sources from
 * them. One mirror per repository, whatever credentials in its URL; their git processes start
 * in one git worker process (git-worker-client.ts), forked once rather than the hub per git call.
 */
export class FleetMirrors {
  private readonly mirrors = new Map<string, RepositoryMirror>();
  private readonly gitWorker: GitWorker;
  /** Plain bundles judged by a policy: content digest + namespace + policy → what it refuses. */
  private readonly policyJudged = new Map<string, string[]>();

  constructor(
    private readonly config: HubConfig,
    private readonly packer: ArtifactPacker,
    workerExited: (detail: string) => void,
  ) {
    this.gitWorker = new GitWorker(workerExited);
  }

  async close(): Promise<void> {
    await this.gitWorker.close();
  }

  mirrorOf(url: string): RepositoryMirror {
    const key = stripUserinfo(url);
    let mirror = this.mirrors.get(key);
    if (mirror === undefined) {
      // A source repository uses the credentials of the fleet repository on the same host, if any.
      const repos = this.config.fleetRepos;
      const auth = repos.find((r) => sameRepository(r.url, url)) ?? repos.find((r) => sameOrigin(r.url, url));
      mirror = new WorkerMirror(this.gitWorker, url, join(this.config.dataDir, 'git'), auth ?? {});
      this.mirrors.set(key, mirror);
    }
    return mirror;
  }

  /**
   * Each bundle's source packed (ArtifactPacker); a source that cannot be is an error of its
   * bundle. So is a plain bundle with an object the repository's policy refuses where the hub
   * can tell (manifest-policy.ts; the agent judges the rest, and everything Helm or Kustomize render).
   */
  async pack(docs: BundleDocument[], repo: FleetRepoConfig): Promise<{ bundles: BundleDocument[]; errors: FleetError[] }> {
    const bundles: BundleDocument[] = [];
    const errors: FleetError[] = [];
    const requestOf = ({ source, render }: BundleDocument['bundle']): PackRequest => ({
      mirror: this.mirrorOf(source.repoUrl),
      commit: source.commit,
      path: source.path,
      kind: render.kind,
    });
    // The sources a commit left as they were, found for all bundles at once.
    await this.packer.findUnchanged(docs.map((doc) => requestOf(doc.bundle)));
    for (const doc of docs) {
      const { source, render } = doc.bundle;
      const at = { file: doc.file, line: doc.sourcePathLine, field: 'spec.source.path' };
      try {
        const request = requestOf(doc.bundle);
        const artifact = await this.packer.pack(request);
        const refused = render.kind === 'raw' ? await this.refusedByPolicy(repo, doc, request, artifact.digest) : [];
        if (refused.length > 0) {
          errors.push(...refused.slice(0, 5).map((message) => ({ ...at, message: `bundle "${doc.bundle.name}": ${message}` })));
          continue;
        }
        bundles.push({ ...doc, bundle: { ...doc.bundle, source: { ...source, artifact } } });
      } catch (error) {
        if (!(error instanceof ArtifactPackError)) throw error;
        errors.push({ ...at, message: error.message });
      }
    }
    return { bundles, errors };
  }

  /** What the repository's policy (or the default) refuses in a plain bundle, judged once per content and policy. */
  private async refusedByPolicy(repo: FleetRepoConfig, doc: BundleDocument, request: PackRequest, digest: string): Promise<string[]> {
    const policy = repo.policy ?? DEFAULT_BUNDLE_POLICY;
    const key = `${digest}\n${doc.bundle.namespace}\n${canonicalJson(policy)}`;
    let refused = this.policyJudged.get(key);
    if (refused === undefined) {
      const whose = repo.policy ? "the fleet repository's policy" : 'the default policy';
      refused = await refusedByPolicy(await this.packer.plainFiles(request), policy, doc.bundle.namespace, whose);
      if (this.policyJudged.size >= 1000) this.policyJudged.delete(this.policyJudged.keys().next().value as string);
      this.policyJudged.set(key, refused);
    }
    return refused;
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    const x = new URL(stripUserinfo(a));
    const y = new URL(stripUserinfo(b));
    return x.protocol === y.protocol && x.host === y.host;
  } catch {
    return false;
  }
}
