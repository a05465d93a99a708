import { describeConformance } from './conformance-suite';
import { POD_AND_STORAGE_SCENARIOS } from './scenarios/pods-and-storage';

describeConformance(POD_AND_STORAGE_SCENARIOS);
