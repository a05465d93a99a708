import { describeConformance } from './conformance-suite';
import { BATCH_SCENARIOS } from './scenarios/batch';

describeConformance(BATCH_SCENARIOS);
