/**
 * The floor under the scale benchmark (scale.ts), on this machine: a bare grpc-js server with no
 * hub behind it. N bidirectional streams, each on a connection of its own, opened from several
 * client processes; then a 2 KB message pushed to every stream and an ack read back from each,
 * a few rounds. Whatever the hub does per agent comes on top of these figures, so they say how
 * far the hub's own are from what the machine allows — and they differ between machines far
 * more than CPU speed suggests: system calls on loopback sockets are what they measure.
 *
 *   npm run build:bench && node dist/test/bench/grpc-floor.js
 *     BENCH_STREAMS=10000  BENCH_PROCESSES=4  BENCH_ROUNDS=3
 *
 * Also printed: one loopback TCP connect and one small socket write, each timed alone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { waitFor } from './child-process';
import { parseSyscalls } from './proc-stats';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 10_000);
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_TIMEOUT_MS = 120_000;

const pass = (b: Buffer): Buffer => b;
const SERVICE: grpc.ServiceDefinition = {
  connect: {
    path: '/floor.Floor/Connect',
    requestStream: true,
    responseStream: true,
    requestSerialize: pass,
    requestDeserialize: pass,
    responseSerialize: pass,
    responseDeserialize: pass,
  },
};
/** One byte from a client: "here I am"; from the server: "you are in". Anything longer is a push or its ack. */
const HELLO = Buffer.from('h');

/**
 * Opens `streams` streams and says "connected" once every one has its hello back. A stream that
 * fails before that (a connection refused or timed out while the server's listen queue is full)
 * is opened again after a jittered second, as an agent would: otherwise one lost stream would
 * leave the benchmark waiting for ever.
 */
async function client(address: string, streams: number): Promise<void> {
  const Client = grpc.makeGenericClientConstructor(SERVICE, 'Floor');
  let ready = 0;
  let retried = 0;
  const open = (): void => {
    // A connection of its own, as every agent has.
    const c = new Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    const call = (c as unknown as { connect(): grpc.ClientDuplexStream<Buffer, Buffer> }).connect();
    let live = false;
    call.on('data', (message: Buffer) => {
      if (message.length === 1) {
        live = true;
        if (++ready === streams) process.send?.({ type: 'connected', retried });
      } else call.write(Buffer.from('ack'));
    });
    call.on('error', (error: grpc.ServiceError) => {
      c.close();
      if (live) process.send?.({ type: 'lost', message: error.message });
      else {
        retried++;
        setTimeout(open, 500 + Math.random() * 1_000);
      }
    });
    call.write(HELLO);
  };
  for (let i = 0; i < streams; i++) {
    open();
    if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Microseconds per loopback TCP connect (both ends in this process) and per 16-byte socket write. */
async function loopbackCosts(): Promise<{ connectUs: number; writeUs: number }> {
  const server = createServer((socket) => socket.on('error', () => undefined).resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 4096, resolve));
  const port = (server.address() as { port: number }).port;
  const sockets: Socket[] = [];
  const n = 2_000;
  let start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 100) {
    await Promise.all(Array.from({ length: 100 }, () => new Promise<void>((resolve) => sockets.push(connect(port, '127.0.0.1', resolve)))));
  }
  const connectUs = Number(process.hrtime.bigint() - start) / 1000 / n;
  const payload = Buffer.alloc(16);
  start = process.hrtime.bigint();
  for (let i = 0; i < 20_000; i++) sockets[i % 50].write(payload);
  const writeUs = Number(process.hrtime.bigint() - start) / 1000 / 20_000;
  for (const s of sockets) s.destroy();
  server.close();
  return { connectUs, writeUs };
}

/** Read synchronously: nothing else runs between reading the counters and reading the clock. */
const syscalls = () => parseSyscalls(readFileSync('/proc/self/io', 'utf8'));

async function main(): Promise<void> {
  if (process.argv[2] === 'client') return client(process.argv[3], Number(process.argv[4]));
  const costs = await loopbackCosts();
  console.log(`grpc floor: ${STREAMS} streams from ${PROCESSES} processes, ${ROUNDS} rounds`);
  console.log(`  loopback TCP connect (both ends)        ${costs.connectUs.toFixed(0).padStart(8)} µs`);
  console.log(`  16-byte socket write                    ${costs.writeUs.toFixed(1).padStart(8)} µs`);

  const streams: grpc.ServerDuplexStream<Buffer, Buffer>[] = [];
  let acks = 0;
  let allAcked: () => void = () => undefined;
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  server.addService(SERVICE, {
    connect: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (message: Buffer) => {
        if (message.length === 1) {
          streams.push(call);
          call.write(HELLO);
        } else if (++acks === STREAMS) allAcked();
      });
      call.on('error', () => undefined);
    },
  });
  // Listened to as the hub does (gateway/grpc-server.ts): grpc-js's bindAsync takes no listen
  // backlog, and Node's default of 511 overflows while thousands of streams connect at once.
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const listener = createServer((socket) => injector.injectConnection(socket));
  const port = await new Promise<number>((resolve) =>
    listener.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => resolve((listener.address() as { port: number }).port)),
  );
  const children: ChildProcess[] = [];
  try {
    const from = Date.now();
    for (let i = 0; i < PROCESSES; i++) {
      const share = Math.floor(STREAMS / PROCESSES) + (i < STREAMS % PROCESSES ? 1 : 0);
      children.push(fork(__filename, ['client', `127.0.0.1:${port}`, String(share)], { execArgv: ['--max-old-space-size=2048'] }));
    }
    let lost = 0;
    for (const c of children) c.on('message', (m: { type: string }) => void (m.type === 'lost' && lost++));
    const connected = await Promise.all(children.map((c) => waitFor<{ retried: number }>(c, 'connected', 600_000)));
    const retried = connected.reduce((n, c) => n + c.retried, 0);
    console.log(
      `  ${STREAMS} streams connected                ${((Date.now() - from) / 1000).toFixed(2).padStart(8)} s (${retried} opened again after failing)`,
    );
    for (let round = 1; round <= ROUNDS; round++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      acks = 0;
      const payload = Buffer.alloc(2048, round);
      const cpu = process.cpuUsage();
      const io = syscalls();
      const start = Date.now();
      const acked = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ROUND_TIMEOUT_MS);
        allAcked = () => {
          clearTimeout(timer);
          resolve(true);
        };
        for (const s of streams) s.write(payload);
      });
      const ms = Date.now() - start;
      if (!acked) throw new Error(`round ${round}: ${acks} of ${STREAMS} acks within ${ROUND_TIMEOUT_MS / 1000} s; ${lost} streams lost`);
      const used = process.cpuUsage(cpu);
      const after = syscalls();
      console.log(
        `  round ${round}: 2 KB to every stream, all acked ${(ms / 1000).toFixed(2).padStart(6)} s; server CPU ${(
          (used.user + used.system) /
          1000 /
          STREAMS
        ).toFixed(
          3,
        )} ms, ${((after.reads - io.reads) / STREAMS).toFixed(1)} reads / ${((after.writes - io.writes) / STREAMS).toFixed(1)} writes per stream`,
      );
    }
  } finally {
    for (const c of children) c.kill();
    listener.close();
    server.forceShutdown();
  }
}

main().then(
  () => {
    if (process.argv[2] !== 'client') process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
