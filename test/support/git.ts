/** Tests and benchmarks use the same real bare repository as the demo's fleet repository. */
export { BareRepo } from '../../scripts/bare-repo';
