/**
 * What starting a program costs the process that starts it, by its size (docs/scaling.md, "Git
 * processes"; why the hub's git runs in its git worker). For each size, memory of that size is
 * allocated and written, then per size it prints:
 *
 *   spawn() blocks      the event loop held by one spawn('true') (the fork copies page tables)
 *   write after spawn   writing one byte per 4 KiB page of that memory right after the spawn
 *                       (every page copy-on-write, each first write a fault), against the same
 *                       write with no spawn before it
 *   via a helper        the same write after a small helper process started the program
 *
 *   npm run build:bench && node dist/test/bench/fork-cost.js    BENCH_SIZES_MB=0,250,500,1000
 *
 * On a 2-core Firecracker VM (load 1.1), by RSS: spawn() blocked 4.3 ms at 44 MB, 22.7 ms at
 * 312 MB, 39.5 ms at 575 MB, 52.2 ms at 1.1 GB; writing a byte per page of 500 MB took 2.5 ms
 * with no spawn before, 1,683 ms right after one (3,388 ms for 1,000 MB), 7.5 ms when a helper
 * process had started the program.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';

const SIZES_MB = (process.env.BENCH_SIZES_MB ?? '0,250,500,1000').split(',').map(Number);
const PAGE = 4096;
const SPAWNS = 5;

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

/** Writes one byte per page of `blocks`; ms taken. */
function touch(blocks: Buffer[]): number {
  const start = process.hrtime.bigint();
  for (const block of blocks) for (let offset = 0; offset < block.length; offset += PAGE) block[offset]++;
  return ms(start);
}

/** Starts `true` from this process: ms the call held the event loop. */
async function spawnHere(): Promise<number> {
  const start = process.hrtime.bigint();
  const child = spawn('true', [], { stdio: 'ignore' });
  const held = ms(start);
  await once(child, 'exit');
  return held;
}

/** Has `helper` start `true`. */
async function spawnVia(helper: ChildProcess): Promise<void> {
  helper.send('spawn');
  await once(helper, 'message');
}

async function main(): Promise<void> {
  if (process.argv[2] === 'helper') {
    process.on('message', () => spawn('true', [], { stdio: 'ignore' }).on('exit', () => process.send!('done')));
    process.on('disconnect', () => process.exit(0));
    return;
  }
  const helper = fork(__filename, ['helper'], { execArgv: [] });
  console.log(`fork cost: ${SPAWNS} spawns per size, load ${loadavg()[0].toFixed(1)}`);
  console.log('  size (MB)  RSS (MB)  spawn() blocks (ms)  write, no spawn (ms)  write after spawn (ms)  via a helper (ms)');
  for (const size of SIZES_MB) {
    const blocks = Array.from({ length: size }, () => Buffer.alloc(1024 * 1024, 1));
    touch(blocks);
    let held = 0;
    let plain = 0;
    let after = 0;
    let via = 0;
    for (let i = 0; i < SPAWNS; i++) {
      plain += touch(blocks);
      held += await spawnHere();
      after += touch(blocks);
      await spawnVia(helper);
      via += touch(blocks);
    }
    const rss = process.memoryUsage().rss / 1e6;
    const cell = (value: number, width: number) => (value / SPAWNS).toFixed(1).padStart(width);
    console.log(
      `  ${String(size).padStart(9)}  ${rss.toFixed(0).padStart(8)}  ${cell(held, 19)}  ${cell(plain, 20)}  ${cell(after, 22)}  ${cell(via, 17)}`,
    );
  }
  helper.disconnect();
}

void main();
