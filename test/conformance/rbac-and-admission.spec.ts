import { describeConformance } from './conformance-suite';
import { RBAC_AND_ADMISSION_SCENARIOS } from './scenarios/rbac-and-admission';

describeConformance(RBAC_AND_ADMISSION_SCENARIOS);
