import { Global, Module } from '@nestjs/common';
import { FleetCommitEvents } from './fleet-commit-events.service';
import { FleetEventsService } from './fleet-events.service';
import { PresenceEvents } from './presence-events.service';
import { StatusEvents } from './status-events.service';

/** The fleet event log, global so that every domain module can record and the API can list. */
@Global()
@Module({
  providers: [FleetEventsService, StatusEvents, PresenceEvents, FleetCommitEvents],
  exports: [FleetEventsService, StatusEvents, PresenceEvents, FleetCommitEvents],
})
export class EventsModule {}
