import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core';
import { describe, expect } from 'vitest';

/** Debian's Chromium (apt-get install chromium), or another one named by BZCTRL_CHROMIUM. */
export const chromiumPath = process.env.BZCTRL_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
if (!hasChromium) {
  console.warn(
    `Browser tests SKIPPED: no Chromium at ${chromiumPath}. Install it (apt-get install chromium) or set BZCTRL_CHROMIUM; .ci/run installs it.`,
  );
}

/** `describe` for suites that drive a real browser; skipped (with the warning above) without one. */
export const describeBrowser = hasChromium ? describe : describe.skip;

/**
 * Starts headless Chromium with a fresh profile. The flags keep it off the network (this
 * machine has none beyond loopback, and Chromium's background calls would be refused).
 */
export async function launchBrowser(): Promise<Browser> {
  // A tag only this launch carries, so its processes can be found and ended if it hangs.
  const tag = `--bzctrl-test-browser=${process.pid}-${++launches}`;
  const browser = await launchChromium(tag);
  const close = browser.close.bind(browser);
  browser.close = async (options) => {
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      close(options).then(() => true),
      new Promise<boolean>((res) => {
        timer = setTimeout(() => res(false), CLOSE_BOUND_MS);
      }),
    ]);
    clearTimeout(timer);
    if (closed) return;
    // Closing Chromium hung (seen on a loaded machine): end the processes this launch
    // started, by their PIDs, instead of holding the suite until its hook times out.
    const pids = spawnSync('pgrep', ['-f', '--', tag], { encoding: 'utf8' })
      .stdout.split('\n')
      .map(Number)
      .filter((pid) => pid > 0);
    console.warn(
      `Chromium did not close within ${CLOSE_BOUND_MS / 1000} s; ending ${pids.length} processes`,
    );
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  return browser;
}

let launches = 0;
const CLOSE_BOUND_MS = 15_000;

function launchChromium(tag: string): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      tag,
    ],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and console errors seen so far (see `expectNoConsoleErrors`). */
  errors: string[];
  /** The 4xx answers Chromium logged as console errors, kept apart from `errors`. */
  rejected: string[];
}

/**
 * A new page in its own context (own cookies), 1280×800 unless told, recording script
 * errors and console errors. Chromium also logs every 4xx answer as a console error
 * ("Failed to load resource"); those are the API saying no (401 before sign-in, a 400 with
 * field errors) and are kept apart, while a 5xx counts as an error.
 */
export async function openPage(
  browser: Browser,
  options: { width?: number; height?: number; origin?: string } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    acceptDownloads: true,
  });
  // Ten seconds is long for a local page; failures should not wait out the test timeout.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  const rejected: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) {
      rejected.push(`${msg.text()} (${msg.location().url})`);
      return;
    }
    errors.push(`console: ${msg.text()}`);
  });
  return { page, context, errors, rejected };
}

export function expectNoConsoleErrors(watched: WatchedPage): void {
  expect(watched.errors, 'script or console errors in the page').toEqual([]);
}

/** Signs in on the sign-in form the app shows to a signed-out visitor. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A new page (see `openPage`) on `url`, signed in there as `email`. */
export async function openSignedIn(
  browser: Browser,
  url: string,
  email: string,
  password: string,
  options: { width?: number; height?: number } = {},
): Promise<WatchedPage> {
  const w = await openPage(browser, options);
  await w.page.goto(url);
  await signIn(w.page, email, password);
  return w;
}

/** The value of a property of the todo details page, the one its `<dt>` names exactly. */
export const todoProp = (page: Page, label: string) =>
  page
    .locator('.todo-prop')
    .filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) })
    .locator('dd');

const SCREENSHOTS = process.env.BZCTRL_SCREENSHOTS
  ? resolve(process.env.BZCTRL_SCREENSHOTS)
  : undefined;

/**
 * Saves a screenshot for the docs when BZCTRL_SCREENSHOTS names a folder
 * (`BZCTRL_SCREENSHOTS=docs/screenshots npx vitest run apps/web/test`); a no-op otherwise.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { from?: Locator; to?: Locator; mask?: Locator[] } = {},
): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  const mask = options.mask ?? [];
  // From the top of `from` to the bottom of `to`: a part of a page far taller than what
  // the picture is about.
  const top = await options.from?.boundingBox();
  const bottom = await (options.to ?? options.from)?.boundingBox();
  if (top && bottom) {
    const scroll = await page.evaluate<number>('window.scrollY');
    const y = top.y + scroll;
    const clip = { x: top.x, y, width: top.width, height: bottom.y + scroll + bottom.height - y };
    await page.screenshot({ path, fullPage: true, clip, mask, maskColor: '#41444e' });
  } else await page.screenshot({ path, fullPage: true, mask, maskColor: '#41444e' });
}
