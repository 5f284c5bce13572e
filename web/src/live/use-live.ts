import { createContext, useContext, useSyncExternalStore } from 'react';
import type { LiveEvents, LiveState } from './live-events';

export const LiveContext = createContext<LiveEvents | undefined>(undefined);

export function useLiveEvents(): LiveEvents {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLiveEvents outside <LiveContext.Provider>');
  return live;
}

/** The live state (connection, recent events, latest metrics frame); re-renders on change. */
export function useLive(): LiveState {
  const live = useLiveEvents();
  return useSyncExternalStore(
    (listener) => live.subscribe(listener),
    () => live.snapshot(),
  );
}
