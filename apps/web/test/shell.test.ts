import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  signIn,
} from '../../server/test/support/browser.ts';
import { startTestServer, type TestServer } from '../../server/test/support/harness.ts';

// The web app's frame: served files and their headers, sign-in, the session ending.
// The UI is the same over both databases, so browser suites run on SQLite only.
describeBrowser('web app shell', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the app at /app/ with a CSP, compressed cacheable assets and / redirecting there', async () => {
    const root = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/app/');

    const index = await fetch(`${t.url}/app/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    const html = await index.text();
    const asset = html.match(/\/app\/assets\/[^"]+\.js/)?.[0];
    expect(asset).toBeDefined();
    const js = await fetch(`${t.url}${asset}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    // Compressed at build time, served as is.
    expect(js.headers.get('content-encoding')).toBe('br');
    expect((await js.text()).length).toBeGreaterThan(100_000);
  });

  it('serves the widget script to any origin', async () => {
    const res = await fetch(`${t.url}/widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('asks a signed-out visitor to sign in, refuses a wrong password, then shows the app', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/`);
    await expect.poll(() => w.page.getByRole('heading', { name: 'Sign in' }).count()).toBe(1);

    await signIn(w.page, 'example@example.com', 'not-the-password');
    await w.page.getByText('The e-mail or password is not right.').waitFor();

    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    await w.page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(await w.page.getByText('Example User').count()).toBe(1);
    // A member sees no admin entry.
    expect(await w.page.getByRole('link', { name: 'Admin' }).count()).toBe(0);

    await w.page.getByRole('button', { name: 'Sign out' }).click();
    await w.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // The cookie is gone server-side too: a reload stays signed out.
    await w.page.reload();
    await w.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('returns to sign-in when the session ends under an open page', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#/todos`);
    await signIn(w.page, 'admin@example.com', 'Admin@12345');
    await w.page.getByRole('link', { name: 'Admin' }).waitFor();
    // Ended elsewhere (another tab signing out): the next call finds no session.
    await w.context.clearCookies();
    await w.page.evaluate(() => {
      window.location.hash = '#/todos?status=DONE';
    });
    await w.page.getByText('Your session has ended. Sign in to continue.').waitFor();
    await signIn(w.page, 'admin@example.com', 'Admin@12345');
    await w.page.getByRole('link', { name: 'Admin' }).waitFor();
    expect(new URL(w.page.url()).hash).toBe('#/todos?status=DONE');
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
