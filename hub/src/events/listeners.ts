/**
 * An in-process change event with awaited listeners: whoever announces a change knows,
 * when `emit` returns, that every module has reacted (targets recomputed, pushes queued).
 * A failing listener is reported, never allowed to stop the others.
 */
export class Listeners<T> {
  private readonly listeners = new Set<(event: T) => Promise<void> | void>();

  constructor(private readonly onError: (error: unknown) => void) {}

  add(listener: (event: T) => Promise<void> | void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async emit(event: T): Promise<void> {
    for (const listener of [...this.listeners]) {
      try {
        await listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
