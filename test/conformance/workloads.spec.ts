import { describeConformance } from './conformance-suite';
import { WORKLOAD_SCENARIOS } from './scenarios/workloads';

describeConformance(WORKLOAD_SCENARIOS);
