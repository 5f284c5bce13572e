import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.js';

describe('EventBus', () => {
  it('delivers each event to every subscriber in subscription order', () => {
    const bus = new EventBus<number>();
    const seen: string[] = [];
    bus.subscribe((n) => seen.push(`a${n}`));
    bus.subscribe((n) => seen.push(`b${n}`));
    bus.publish(1);
    bus.publish(2);
    expect(seen).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(bus.size).toBe(2);
  });

  it('stops delivering to a listener once it unsubscribes', () => {
    const bus = new EventBus<string>();
    const seen: string[] = [];
    const unsubscribe = bus.subscribe((event) => seen.push(event));
    bus.publish('one');
    unsubscribe();
    unsubscribe(); // twice is harmless
    bus.publish('two');
    expect(seen).toEqual(['one']);
    expect(bus.size).toBe(0);
  });

  it('a throwing listener does not stop the others and is reported', () => {
    const errors: unknown[] = [];
    const bus = new EventBus<number>((error) => errors.push(error));
    const seen: number[] = [];
    const failure = new Error('listener broke');
    bus.subscribe(() => {
      throw failure;
    });
    bus.subscribe((n) => seen.push(n));
    bus.publish(7);
    bus.publish(8);
    expect(seen).toEqual([7, 8]);
    expect(errors).toEqual([failure, failure]);
  });

  it('swallows listener errors when no error handler is given', () => {
    const bus = new EventBus<number>();
    const seen: number[] = [];
    bus.subscribe(() => {
      throw new Error('x');
    });
    bus.subscribe((n) => seen.push(n));
    expect(() => bus.publish(1)).not.toThrow();
    expect(seen).toEqual([1]);
  });

  it('a listener that unsubscribes another during delivery does not disturb this delivery', () => {
    const bus = new EventBus<number>();
    const seen: string[] = [];
    let unsubscribeB = (): void => {};
    bus.subscribe(() => {
      seen.push('a');
      unsubscribeB();
    });
    unsubscribeB = bus.subscribe(() => seen.push('b'));
    bus.publish(1);
    bus.publish(2);
    expect(seen).toEqual(['a', 'b', 'a']);
  });
});
