import { describeConformance } from './conformance-suite';
import { CUSTOM_RESOURCE_SCENARIOS } from './scenarios/custom-resources';

describeConformance(CUSTOM_RESOURCE_SCENARIOS);
