/**
 * The API key the operator typed on the login screen, kept for this browser tab's session only
 * (sessionStorage: gone when the tab closes, never in localStorage or a cookie).
 */
const KEY = 'gowinproc.apiKey';
type Listener = () => void;
const listeners = new Set<Listener>();

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

export const credential = {
  get(): string | undefined {
    return storage()?.getItem(KEY) ?? undefined;
  },
  set(key: string | undefined): void {
    if (key === undefined || key === '') storage()?.removeItem(KEY);
    else storage()?.setItem(KEY, key);
    listeners.forEach((l) => l());
  },
  /** The daemon answered 401: the key is wrong or gone; the app shows the login screen. */
  rejected(): void {
    listeners.forEach((l) => l());
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
};
