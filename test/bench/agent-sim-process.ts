/**
 * One simulated cluster in a process of its own, for test/bench/agent-sync.ts: the simulator
 * runs on one Node thread, and in the benchmark's own process it would share that thread with
 * the other cluster and the benchmark. Started with fork(); options as JSON in argv[2].
 * Sends { type: 'ready', kubeconfig } once listening; answers { type: 'cpu' } with its CPU time
 * so far (ms); stops on { type: 'stop' }.
 */
import { startSimCluster, type SimClusterOptions } from '#kube-sim';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as SimClusterOptions;
  const cluster = await startSimCluster(options);
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ type: 'cpu', ms: (usage.user + usage.system) / 1000 });
      return;
    }
    if (message.type !== 'stop') return;
    void cluster.stop().finally(() => process.exit(0));
  });
  process.on('disconnect', () => void cluster.stop().finally(() => process.exit(0)));
  process.send?.({ type: 'ready', kubeconfig: cluster.kubeconfig });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
