/**
 * A small synchronous publish/subscribe bus. A throwing listener is reported to onListenerError
 * and never stops delivery to the others.
 */
export type Listener<E> = (event: E) => void;

export class EventBus<E> {
  private readonly listeners = new Set<Listener<E>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  subscribe(listener: Listener<E>): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(event: E): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
