/** Which TargetSet a cluster holds: enough to tell whether an agent already has it. */
export interface TargetSetHead {
  revision: string;
  checksum: string;
}

/** The head of a TargetSet read beside a cluster (a LEFT JOIN: null columns when there is none). */
export function targetSetHead(row: { revision: string | null; checksum: string | null }): TargetSetHead | null {
  return row.revision === null || row.checksum === null ? null : { revision: row.revision, checksum: row.checksum };
}
