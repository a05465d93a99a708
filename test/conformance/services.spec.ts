import { describeConformance } from './conformance-suite';
import { SERVICE_SCENARIOS } from './scenarios/services';

describeConformance(SERVICE_SCENARIOS);
