/** What `gitfleet` exits with, so that CI can gate on it. */
export const EXIT = {
  /** Done, and nothing is wrong. */
  ok: 0,
  /** Done, and something is wrong (failed, degraded, unreachable, halted, drifted), or the hub refused the request. */
  problem: 1,
  /** The command line is wrong. */
  usage: 2,
  /** The hub could not be reached or did not accept our credentials. */
  hub: 3,
  /** Interrupted (Ctrl-C), as a shell reports SIGINT. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
