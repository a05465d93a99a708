import { describe, healthy, progressing, record, type HealthAssessment, type KubeObjectLike } from './assessment';

/** Only a LoadBalancer Service waits for something: its external address. */
export function serviceHealth(service: KubeObjectLike): HealthAssessment {
  if (record(service.spec).type !== 'LoadBalancer') return healthy();
  return hasLoadBalancerIngress(service) ? healthy() : progressing(`${describe(service)}: waiting for a load balancer address`);
}

export function hasLoadBalancerIngress(object: KubeObjectLike): boolean {
  const ingress = record(record(object.status).loadBalancer).ingress;
  return Array.isArray(ingress) && ingress.length > 0;
}
