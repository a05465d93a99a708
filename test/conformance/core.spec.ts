import { describeConformance } from './conformance-suite';
import { CORE_SCENARIOS } from './scenarios/core';

describeConformance(CORE_SCENARIOS);
