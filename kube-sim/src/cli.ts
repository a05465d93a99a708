#!/usr/bin/env node
/**
 * gitfleet-sim --clusters N [--base-port P] [--dir D]
 * Starts N simulated clusters in this process, writes D/<name>.kubeconfig for each and
 * runs until SIGINT/SIGTERM.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SimCluster, startSimCluster } from './index';

interface CliOptions {
  clusters: number;
  basePort?: number;
  dir: string;
}

function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = { clusters: 1, dir: '.gitfleet/sim' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--clusters' && value) options.clusters = Number(value);
    else if (flag === '--base-port' && value) options.basePort = Number(value);
    else if (flag === '--dir' && value) options.dir = value;
    else if (flag === '--help' || flag === '-h') usage(0);
    else usage(2, `unknown or incomplete argument: ${flag}`);
    i++;
  }
  if (!Number.isInteger(options.clusters) || options.clusters < 1) usage(2, '--clusters must be a positive integer');
  if (options.basePort !== undefined && !(Number.isInteger(options.basePort) && options.basePort > 0 && options.basePort < 65536))
    usage(2, '--base-port must be a port number');
  return options;
}

function usage(code: number, problem?: string): never {
  if (problem) console.error(problem);
  console.error('usage: gitfleet-sim --clusters N [--base-port P] [--dir D]');
  process.exit(code);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const clusters: SimCluster[] = [];
  for (let i = 0; i < options.clusters; i++) {
    const name = `sim-${i + 1}`;
    const cluster = await startSimCluster({
      name,
      kubeconfigPath: join(dir, `${name}.kubeconfig`),
      ...(options.basePort !== undefined ? { port: options.basePort + i } : {}),
    });
    clusters.push(cluster);
    console.log(`${cluster.name}\t${cluster.url}\t${cluster.kubeconfigPath}`);
  }
  const shutdown = async () => {
    await Promise.all(clusters.map((c) => c.stop()));
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
