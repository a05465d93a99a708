import { describeConformance } from './conformance-suite';
import { POLICY_SCENARIOS } from './scenarios/policy';

describeConformance(POLICY_SCENARIOS);
