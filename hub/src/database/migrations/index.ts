import { InitialSchema1732240000000 } from './1732240000000-initial-schema';
import { IdentityRolloutsHistory1733100000000 } from './1733100000000-identity-rollouts-history';
import { FleetReposGroups1733200000000 } from './1733200000000-fleet-repos-groups';
import { ApiTokensAudit1733300000000 } from './1733300000000-api-tokens-audit';
import { FleetEventsNotifications1734000000000 } from './1734000000000-fleet-events-notifications';
import { ConnectedReplica1735000000000 } from './1735000000000-connected-replica';
import { NotificationLease1735100000000 } from './1735100000000-notification-lease';
import { HistoryRetention1735200000000 } from './1735200000000-history-retention';
import { BundleRevisions1735300000000 } from './1735300000000-bundle-revisions';
import { Artifacts1736000000000 } from './1736000000000-artifacts';
import { AppliedSync1736100000000 } from './1736100000000-applied-sync';
import { ClusterNameOrder1736200000000 } from './1736200000000-cluster-name-order';
import { ClientCertificates1736300000000 } from './1736300000000-client-certificates';
import { TargetDigests1736450000000 } from './1736450000000-target-digests';
import { UpdateRoom1736500000000 } from './1736500000000-update-room';
import { HistoryWithoutRowLocks1736600000000 } from './1736600000000-history-without-row-locks';
import { PresenceEventIndex1736700000000 } from './1736700000000-presence-event-index';
import { Lz4Compression1736800000000 } from './1736800000000-lz4-compression';
import { TargetRows1736900000000 } from './1736900000000-target-rows';

/** Every migration, oldest first; TypeORM runs the ones not yet applied at start-up. */
export const MIGRATIONS = [
  InitialSchema1732240000000,
  IdentityRolloutsHistory1733100000000,
  FleetReposGroups1733200000000,
  ApiTokensAudit1733300000000,
  FleetEventsNotifications1734000000000,
  ConnectedReplica1735000000000,
  NotificationLease1735100000000,
  HistoryRetention1735200000000,
  BundleRevisions1735300000000,
  Artifacts1736000000000,
  AppliedSync1736100000000,
  ClusterNameOrder1736200000000,
  ClientCertificates1736300000000,
  TargetDigests1736450000000,
  UpdateRoom1736500000000,
  HistoryWithoutRowLocks1736600000000,
  PresenceEventIndex1736700000000,
  Lz4Compression1736800000000,
  TargetRows1736900000000,
];
