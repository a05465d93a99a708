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

export const FleetRepoView = named(
  'FleetRepoView',
  z.strictObject({
    name: z.string(),
    url: z.string().describe('without credentials'),
    branch: z.string(),
    path: z.string(),
    commit: Sha.nullable().describe('the last good commit, served to the clusters'),
    fetchedAt: Time.nullable(),
    error: z
      .strictObject({ commit: Sha.nullable().describe('null: the fetch itself failed'), errors: z.array(FleetError) })
      .nullable()
      .describe('why the newest commit (or the fetch) was not accepted'),
  }),
);
export type FleetRepoView = z.infer<typeof FleetRepoView>;

/** The first fleet repository's fields at the top (as before several were supported), all of them in `repos`. */
export const FleetView = named('FleetView', FleetRepoView.extend({ repos: z.array(FleetRepoView) }));
export type FleetView = z.infer<typeof FleetView>;
