/**
 * A real browser for the dashboard's end-to-end tests: Debian's chromium (/usr/bin/chromium,
 * installed by .ci/run with apt) driven by playwright-core, headless; no browser download.
 * Everything opened here is closed when the test finishes. Screenshots go to
 * test/e2e/screenshots/ (ignored by git) for review.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { onTestFinished } from 'vitest';
import { ROOT } from './paths.js';
import { waitFor } from './wait-for.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test', 'e2e', 'screenshots');

/** Launches headless chromium, closed when the test finishes. */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // --no-sandbox: CI runs as root in a container, where chromium's sandbox cannot start.
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  onTestFinished(() => browser.close());
  return browser;
}

export interface DashboardPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions thrown in the page (a crashed screen shows up here). */
  pageErrors: string[];
}

export interface OpenOptions {
  /** Viewport width in CSS pixels (default 1280); 390 is a phone. */
  width?: number;
  height?: number;
  /** The path to open (default `/`). */
  path?: string;
}

/**
 * A fresh context (own sessionStorage: no API key carried over) on `url + path`. Screens wait
 * for what they need through locators; nothing here sleeps.
 */
export async function openDashboard(
  browser: Browser,
  url: string,
  options: OpenOptions = {},
): Promise<DashboardPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: 'light',
    // Copy buttons use navigator.clipboard, which a headless page may only use when granted.
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  onTestFinished(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`${error.name}: ${error.message}`));
  await page.goto(`${url}${options.path ?? '/'}`);
  return { page, context, pageErrors };
}

/** The theme on <html data-theme>. */
function themeOf(page: Page): Promise<string | undefined> {
  // Browser-side code as a string: the test tsconfig has no DOM types.
  return page.evaluate<string | undefined>('document.documentElement.dataset.theme');
}

/** Switches the theme with the shell's own toggle button (as an operator does). */
export async function useTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  if ((await themeOf(page)) === theme) return;
  await page.getByRole('button', { name: `Switch to the ${theme} theme` }).click();
  await waitFor(async () => (await themeOf(page)) === theme || `theme is ${await themeOf(page)}`);
}

/** Writes test/e2e/screenshots/<name>.png (the whole page) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** `<name>-light.png` and `<name>-dark.png`; leaves the page in the light theme. */
export async function screenshotBothThemes(page: Page, name: string): Promise<string[]> {
  await useTheme(page, 'light');
  const light = await screenshot(page, `${name}-light`);
  await useTheme(page, 'dark');
  const dark = await screenshot(page, `${name}-dark`);
  await useTheme(page, 'light');
  return [light, dark];
}

/**
 * Records every value `attribute` takes on any element of the page from now on (a
 * MutationObserver in the page, so no change is missed between two polls); the returned
 * function reads the sequence, repeats collapsed.
 */
export async function recordAttribute(
  page: Page,
  attribute: string,
): Promise<() => Promise<string[]>> {
  const key = `recorded:${attribute}`;
  await page.evaluate(`(() => {
    const seen = [];
    window[${JSON.stringify(key)}] = seen;
    const record = () => {
      for (const node of document.querySelectorAll(${JSON.stringify(`[${attribute}]`)})) {
        const value = node.getAttribute(${JSON.stringify(attribute)});
        if (seen[seen.length - 1] !== value) seen.push(value);
      }
    };
    record();
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: [${JSON.stringify(attribute)}],
    });
  })()`);
  return () => page.evaluate<string[]>(`window[${JSON.stringify(key)}]`);
}
