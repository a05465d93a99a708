import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';

/** One file of the dashboard, held in memory: the whole dashboard is a few dozen kilobytes. */
export interface Asset {
  /** URL path, e.g. "/dashboard/js/matrix.js". */
  url: string;
  contentType: string;
  body: Buffer;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where the assets are served from, under the hub's root. */
export const ASSET_PREFIX = '/dashboard';

/**
 * Where the hand-written files live: beside this module when running from sources, and in the
 * source tree when running compiled from dist/ (tsc does not copy them).
 */
export function assetDirectoryCandidates(here: string = __dirname): string[] {
  return [resolve(here, '..', 'public'), resolve(here, '..', '..', '..', '..', '..', 'hub', 'src', 'dashboard', 'public')];
}

export function findAssetDirectory(candidates: string[] = assetDirectoryCandidates()): string | undefined {
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/** Every file of the directory with a known type, by URL; index.html is also "/". */
export function loadAssets(directory: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      const contentType = CONTENT_TYPES[extname(name)];
      if (contentType === undefined) continue;
      const body = readFileSync(full);
      const url = `${ASSET_PREFIX}/${relative(directory, full).split(sep).join('/')}`;
      const asset = { url, contentType, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
      assets.set(url, asset);
      if (url === `${ASSET_PREFIX}/index.html`) assets.set('/', asset);
    }
  };
  walk(directory);
  return assets;
}

/**
 * Headers of every dashboard answer: the page runs only its own scripts and talks only to
 * its own origin (an injected script could read the API token from sessionStorage), cannot
 * be framed, and sends no referrer.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Revalidate every time (cheap with the ETag): a hub upgrade must never leave old scripts running.
  'cache-control': 'no-cache',
};
