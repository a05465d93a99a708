import { FleetEventType, type FleetEvent } from '../api-contract';

/** What happened in the fleet (api-contract's FleetEvent); recorded on transitions only, never once per report. */
export type { FleetEvent, FleetEventSeverity, FleetEventType } from '../api-contract';

export const FLEET_EVENT_TYPES: readonly FleetEventType[] = FleetEventType.options;

/** An event as its source describes it; the store gives it an id and a time. */
export type FleetEventDraft = Omit<FleetEvent, 'id' | 'at'>;

export function isFleetEventType(value: string): value is FleetEventType {
  return (FLEET_EVENT_TYPES as readonly string[]).includes(value);
}
