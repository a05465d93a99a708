/**
 * The Kubernetes API simulator: real HTTP, the real REST API, driven by the transcripts in
 * test/fixtures/transcripts. Start one with startSimCluster(); talk to it with any client.
 */
export { startSimCluster } from './cluster/sim-cluster';
export type { SimCluster, SimClusterOptions } from './cluster/sim-cluster';
export { createSelfSignedCertificate } from './cluster/self-signed-certificate';
export type { TlsIdentity } from './cluster/self-signed-certificate';
