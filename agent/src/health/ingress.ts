import { describe, healthy, progressing, type HealthAssessment, type KubeObjectLike } from './assessment';
import { hasLoadBalancerIngress } from './service';

/** As Argo CD: an Ingress is Healthy once its controller has published an address. */
export function ingressHealth(ingress: KubeObjectLike): HealthAssessment {
  return hasLoadBalancerIngress(ingress)
    ? healthy()
    : progressing(`${describe(ingress)}: waiting for the ingress controller to publish an address`);
}
