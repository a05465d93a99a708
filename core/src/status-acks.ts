/**
 * Announced by an agent in Hello: it takes the acks of several reports in one StatusAck (`seq`
 * and `more_seqs`, docs/protocol.md). The hub then answers all of a stream's reports that one
 * database write stored with one message, where an agent without it gets a StatusAck per
 * report: over grpc-js every message is a write of its own, so a cluster of tens of bundles,
 * which reports on each of them after every fleet commit, cost the hub tens of writes.
 */
export const STATUS_ACKS_CAPABILITY = 'status-acks/v1';
