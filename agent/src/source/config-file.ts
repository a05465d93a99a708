import { readFile, stat } from 'node:fs/promises';
import { parse } from 'yaml';
import { formatBytes, SourceError, type SourceLimits } from './limits';

/**
 * Reads a renderer's configuration file from the checkout (kustomization, Chart.yaml) under
 * the manifest limits: size, aliases, and a mapping at the top. Undefined when it is absent.
 */
export async function readConfigFile(file: string, shown: string, limits: SourceLimits): Promise<Record<string, unknown> | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  if (info.size > limits.maxFileBytes) {
    throw new SourceError(`${shown}: file is ${formatBytes(info.size)}, over the limit of ${formatBytes(limits.maxFileBytes)}`);
  }
  let value: unknown;
  try {
    value = parse(await readFile(file, 'utf8'), { maxAliasCount: limits.maxYamlAliases, prettyErrors: false });
  } catch (cause) {
    throw new SourceError(`${shown}: invalid YAML: ${(cause instanceof Error ? cause.message : String(cause)).split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new SourceError(`${shown}: expected a mapping at the top level`);
  return value as Record<string, unknown>;
}
