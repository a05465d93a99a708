import { z } from 'zod';
import { named, Sha, Time } from './common';

/** One problem of a fleet commit: where (file, line, field) and what. */
export const FleetError = z.strictObject({
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  field: z.string().nullable(),
  message: z.string(),
});
export type FleetError = z.infer<typeof FleetError>;

/** ok: following its branch; rejected: the newest commit is refused; unreachable: fetching fails; pending: no commit accepted yet. */
export const FleetRepoState = z.enum(['ok', 'rejected', 'unreachable', 'pending']);
export type FleetRepoState = z.infer<typeof FleetRepoState>;

export const FleetRepoView = named(
  'FleetRepoView',
  z.strictObject({
    name: z.string(),
    url: z.string().describe('without credentials'),
    branch: z.string(),
    path: z.string(),
    commit: Sha.nullable().describe('the last good commit, served to the clusters'),
    fetchedAt: Time.nullable().describe('the last fetch attempt'),
    state: FleetRepoState,
    rejected: z
      .strictObject({ commit: Sha, errors: z.array(FleetError), at: Time.describe('first refused') })
      .nullable()
      .describe('the newest commit, refused: the clusters keep the last good commit'),
    fetchError: z
      .strictObject({ message: z.string(), since: Time.describe('failing since'), lastAttemptAt: Time })
      .nullable()
      .describe('fetching the branch fails: the cause of the latest attempt'),
    error: z
      .strictObject({ commit: Sha.nullable().describe('null: the fetch itself failed'), errors: z.array(FleetError) })
      .nullable()
      .describe('the fetch failure, else the refusal, as {commit (null: the fetch failed), errors}: what hubs showed before `state`'),
  }),
);
export type FleetRepoView = z.infer<typeof FleetRepoView>;

/** The first fleet repository's fields at the top (as before several were supported), all of them in `repos`. */
export const FleetView = named('FleetView', FleetRepoView.extend({ repos: z.array(FleetRepoView) }));
export type FleetView = z.infer<typeof FleetView>;
