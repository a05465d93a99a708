import { existsSync, readFileSync } from 'node:fs';
import { isDns1123Label, isRefName, parseBundlePolicy, repoUrlProblem, type BundlePolicy } from '#core';

/** One fleet repository the hub follows. Credentials are never logged or shown by the API. */
export interface FleetRepoConfig {
  /** DNS-1123 label naming the repository in the API, in bundles (`fleetRepo`) and in logs. */
  name: string;
  /** May carry `user:token@` (moved out of the URL before git sees it); prefer username/password. */
  url: string;
  branch: string;
  /** Directory holding the gitfleet.io/v1alpha1 documents, relative, normalised. */
  path: string;
  /** HTTPS basic auth; password may be an access token. */
  username?: string;
  password?: string;
  /** SSH private key file, and the known_hosts file to check (and extend, accept-new) host keys with. */
  sshKeyFile?: string;
  knownHostsFile?: string;
  /**
   * What the repository's bundles may apply (docs/policy.md), set here by the hub's operator,
   * never by the repository it governs. Absent: the agents' default (privileged RBAC bindings refused).
   */
  policy?: BundlePolicy;
}

/** The name FLEET_REPO_URL's repository gets. */
export const DEFAULT_FLEET_REPO_NAME = 'default';

const FIELDS = ['name', 'url', 'branch', 'path', 'username', 'password', 'passwordFile', 'sshKeyFile', 'knownHostsFile', 'policy'];

export const FLEET_REPOS_SHAPE = 'a JSON array of {"name", "url", "branch", "path"} objects';

/** The entries of FLEET_REPOS (or its file), password files read; errors name `name[index].field`. */
export function parseFleetRepos(value: unknown, name: string, defaults: { branch: string; path: string }): FleetRepoConfig[] {
  if (!Array.isArray(value)) throw new Error(`${name} must be ${FLEET_REPOS_SHAPE}`);
  return value.map((entry: unknown, i) => {
    const at = `${name}[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new Error(`${at} must be an object`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!FIELDS.includes(key)) throw new Error(`${at}.${key}: unknown field (allowed: ${FIELDS.join(', ')})`);
      if (key !== 'policy' && typeof e[key] !== 'string') throw new Error(`${at}.${key} must be a string`);
    }
    const s = e as Record<string, string | undefined>;
    const policy = e.policy === undefined ? undefined : parseBundlePolicy(e.policy, `${at}.policy`);
    let password = s.password;
    if (s.passwordFile !== undefined) {
      if (password !== undefined) throw new Error(`${at}: set password or passwordFile, not both`);
      try {
        password = readFileSync(s.passwordFile, 'utf8').trim();
      } catch (error) {
        throw new Error(`${at}.passwordFile: cannot read "${s.passwordFile}": ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    const repo: FleetRepoConfig = {
      name: s.name ?? '',
      url: s.url ?? '',
      branch: s.branch ?? defaults.branch,
      path: s.path ?? defaults.path,
    };
    for (const key of ['username', 'sshKeyFile', 'knownHostsFile'] as const) if (s[key] !== undefined) repo[key] = s[key];
    if (password !== undefined) repo.password = password;
    if (policy !== undefined) repo.policy = policy;
    return repo;
  });
}

/** Validates the repositories (names unique, URLs, branches, paths, files present); errors start with `label(i)`. */
export function validateFleetRepos(repos: FleetRepoConfig[], label: (i: number, field: string) => string): FleetRepoConfig[] {
  const names = new Set<string>();
  return repos.map((repo, i) => {
    const at = (field: string) => label(i, field);
    if (!isDns1123Label(repo.name)) throw new Error(`${at('name')} must be a DNS-1123 label, got "${repo.name}"`);
    if (names.has(repo.name)) throw new Error(`${at('name')} "${repo.name}" is used twice`);
    names.add(repo.name);
    const problem = repoUrlProblem(repo.url);
    if (problem !== undefined) throw new Error(`${at('url')}: ${problem}`);
    if (!isRefName(repo.branch)) throw new Error(`${at('branch')} is not a valid branch name`);
    const path = normaliseDirectory(repo.path);
    if (path === undefined) throw new Error(`${at('path')} must be a relative directory without '..'`);
    if (repo.password !== undefined && repo.password === '') throw new Error(`${at('password')} must not be empty`);
    for (const key of ['sshKeyFile', 'knownHostsFile'] as const) {
      const file = repo[key];
      if (file !== undefined && (file.startsWith('-') || (key === 'sshKeyFile' && !existsSync(file)))) {
        throw new Error(`${at(key)}: "${file}" does not exist`);
      }
    }
    return { ...repo, path };
  });
}

export function normaliseDirectory(path: string): string | undefined {
  const normalised = path.replace(/^\.\/+/, '').replace(/\/+$/, '');
  if (normalised === '' || normalised.startsWith('/') || normalised.split('/').includes('..')) return undefined;
  return normalised;
}
