import type { ApiServer } from '../api/api-server';
import type { Controller } from './controller-runner';
import { ClusterRoleAggregationController } from './clusterrole-aggregation-controller';
import { CrdController } from './crd-controller';
import { DisruptionController } from './disruption-controller';
import { PvcProtectionController } from './pvc-protection-controller';
import { QuotaController } from './quota-controller';
import { TokenController } from './token-controller';
import { DeploymentController } from './deployment-controller';
import { GarbageCollector } from './garbage-collector';
import type { ImageFailureMarkers } from './image-failures';
import { JobController } from './job-controller';
import { Kubelet } from './kubelet';
import { NamespaceController } from './namespace-controller';
import { DaemonSetController, StatefulSetController } from './pod-set-controllers';
import { ReplicaSetController } from './replicaset-controller';

export interface ControllerSettings {
  workloadReadyDelayMs: number;
  /** Real ms per second of a spec duration (progress deadline, back-offs, Job deadlines). */
  specSecondMs: number;
  failureMarkers: ImageFailureMarkers;
  /** PEM of the CA that clients in Pods trust: kube-root-ca.crt and token Secrets carry it. */
  caPem: string;
}

/** The simulated kube-controller-manager, node, and the apiserver's own CRD controllers. */
export function createControllers(api: ApiServer, settings: ControllerSettings): Controller[] {
  return [
    new NamespaceController(api, settings.caPem),
    new TokenController(api, settings.caPem),
    new PvcProtectionController(api),
    new ClusterRoleAggregationController(api),
    new DisruptionController(api),
    new QuotaController(api),
    new GarbageCollector(api),
    new CrdController(api),
    new DeploymentController(api, settings.specSecondMs),
    new ReplicaSetController(api),
    new StatefulSetController(api),
    new DaemonSetController(api),
    new JobController(api, settings.specSecondMs),
    new Kubelet(api, {
      readyDelayMs: settings.workloadReadyDelayMs,
      specSecondMs: settings.specSecondMs,
      markers: settings.failureMarkers,
    }),
  ];
}
