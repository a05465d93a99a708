/**
 * An in-process change event with awaited listeners: whoever announces a change knows,
 * when `emit` returns, that every module has reacted (targets recomputed, pushes queued).
 * A failing listener is reported, never allowed to stop the others. Listeners start together,
 * in the order added, each running until its first await: one that waits on I/O (a placement
 * run after a registration) holds up none of the others, and what a listener does before its
 * first await is done when `emit` is called.
 */
export class Listeners<T> {
  private readonly listeners = new Set<(event: T) => Promise<void> | void>();

  constructor(private readonly onError: (error: unknown) => void) {}

  add(listener: (event: T) => Promise<void> | void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async emit(event: T): Promise<void> {
    await Promise.all(
      [...this.listeners].map(async (listener) => {
        try {
          await listener(event);
        } catch (error) {
          this.onError(error);
        }
      }),
    );
  }
}
