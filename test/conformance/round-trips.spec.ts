import { describeConformance } from './conformance-suite';
import { ROUND_TRIP_SCENARIOS } from './scenarios/round-trips';

describeConformance(ROUND_TRIP_SCENARIOS);
