import { describeConformance } from './conformance-suite';
import { SCALE_AND_DISCOVERY_SCENARIOS } from './scenarios/scale-and-discovery';

describeConformance(SCALE_AND_DISCOVERY_SCENARIOS);
