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

// The sign-in throttle as a person meets it (issue 16 item 3): after too many wrong
// passwords the form says so, with the wait, at once. SQLite only, as every browser suite.
describeBrowser('sign-in throttle in the web app', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestServer('sqlite', {
      env: { BZCTRL_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', BZCTRL_LOGIN_WINDOW: '3600' },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('names the wait after too many wrong passwords, at once, and holds the right one too', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/`);
    await w.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const isSignIn = (r: { url(): string; request(): { method(): string } }) =>
      r.url().endsWith('/bzctrl-core-api/api/v1/session') && r.request().method() === 'POST';
    let posts = 0;
    w.page.on('request', (r) => {
      if (r.url().endsWith('/bzctrl-core-api/api/v1/session') && r.method() === 'POST') posts++;
    });

    const attempt = async (password: string) => {
      const started = Date.now();
      const [response] = await Promise.all([
        w.page.waitForResponse(isSignIn),
        signIn(w.page, 'example@example.com', password),
      ]);
      return { status: response.status(), started };
    };

    // Three wrong passwords are refused as such; the fourth meets the throttle.
    for (let i = 0; i < 3; i++) {
      expect((await attempt(`wrong-${i}`)).status).toBe(401);
      await w.page.getByText('The e-mail or password is not right.').waitFor();
    }
    const { status, started } = await attempt('wrong-3');
    expect(status).toBe(429);
    // The window opened with the first failure, seconds ago: an hour, rounded up to minutes.
    const message = 'Too many failed sign-ins. Try again in 60 minutes.';
    await w.page.getByRole('alert').filter({ hasText: message }).waitFor();
    // Shown without the SDK waiting and retrying behind the person's back.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(posts).toBe(4);
    expect(await w.page.getByRole('button', { name: 'Sign in' }).isEnabled()).toBe(true);

    // Even the right password waits now; the form says why instead of a generic error.
    expect((await attempt('Ex@mpl3!')).status).toBe(429);
    await w.page.getByRole('alert').filter({ hasText: message }).waitFor();
    expect(await w.page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    expect(posts).toBe(5);
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
