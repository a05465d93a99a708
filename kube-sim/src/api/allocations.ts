/** What the API server hands out to Services: cluster IPs from 10.96.0.0/16 and node ports from 30000-32767. */
export class Allocations {
  private nextClusterIP = 1;
  private nextNodePort = 0;

  clusterIP(): string {
    const n = this.nextClusterIP++;
    return `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  }

  /** Node ports come in an order of their own, as the real allocator's (random) do; a step coprime with the range visits each once. */
  nodePort(): number {
    this.nextNodePort = (this.nextNodePort + 7919) % 2768;
    return 30000 + this.nextNodePort;
  }
}
