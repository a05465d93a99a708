import type { Scenario } from '../scenario';
import { BATCH_SCENARIOS } from './batch';
import { CORE_SCENARIOS } from './core';
import { CUSTOM_RESOURCE_SCENARIOS } from './custom-resources';
import { POD_AND_STORAGE_SCENARIOS } from './pods-and-storage';
import { POLICY_SCENARIOS } from './policy';
import { RBAC_AND_ADMISSION_SCENARIOS } from './rbac-and-admission';
import { ROUND_TRIP_SCENARIOS } from './round-trips';
import { SCALE_AND_DISCOVERY_SCENARIOS } from './scale-and-discovery';
import { SERVICE_SCENARIOS } from './services';
import { WORKLOAD_SCENARIOS } from './workloads';

/** Every conformance scenario, in the order the transcripts are numbered. */
export const ALL_SCENARIOS: Scenario[] = [
  ...CORE_SCENARIOS,
  ...SERVICE_SCENARIOS,
  ...WORKLOAD_SCENARIOS,
  ...BATCH_SCENARIOS,
  ...POD_AND_STORAGE_SCENARIOS,
  ...POLICY_SCENARIOS,
  ...RBAC_AND_ADMISSION_SCENARIOS,
  ...CUSTOM_RESOURCE_SCENARIOS,
  ...SCALE_AND_DISCOVERY_SCENARIOS,
  ...ROUND_TRIP_SCENARIOS,
];
