/**
 * Background work that runs first after `firstAfterMs`, then `everyMs` after each run ends
 * (history pruning, artifact and target-body collection). A failed run is handed to `failed`
 * and the next one goes on; the timers never keep the process alive.
 */
export class RecurringJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly options: { firstAfterMs: number; everyMs: number; failed: (error: unknown) => void },
  ) {}

  start(): void {
    this.schedule(this.options.firstAfterMs);
  }

  /** No run starts from now on; resolves once the one under way, if any, has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.run()
        .then(
          () => undefined,
          (error: unknown) => this.options.failed(error),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.everyMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
