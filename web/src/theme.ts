/**
 * Light and dark themes: the operator's choice (kept in localStorage), else the system's
 * preference. The choice is a `data-theme` attribute on <html>; styles.css does the rest.
 */
export type Theme = 'light' | 'dark';
const KEY = 'gowinproc.theme';

export function initialTheme(): Theme {
  try {
    const saved = window.localStorage.getItem(KEY);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // storage disabled
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset['theme'] = theme;
  try {
    window.localStorage.setItem(KEY, theme);
  } catch {
    // storage disabled: the choice lasts this page
  }
}
