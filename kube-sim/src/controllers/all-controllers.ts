import type { ApiServer } from '../api/api-server';
import type { Controller } from './controller-runner';
import { CrdController } from './crd-controller';
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
}

/** The simulated kube-controller-manager, node, and the apiserver's own CRD controllers. */
export function createControllers(api: ApiServer, settings: ControllerSettings): Controller[] {
  return [
    new NamespaceController(api),
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
