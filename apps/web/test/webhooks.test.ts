import type { Browser, Locator, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
  type WatchedPage,
} from '../../server/test/support/browser.ts';
import { startTestServer, type TestServer } from '../../server/test/support/harness.ts';
import { type Received, startReceiver } from '../../server/test/support/receiver.ts';

// The webhooks admin screen over the real API and a real receiver on loopback: what the
// screen shows (the secret, each delivery's outcome) must be what the receiver lived.
describeBrowser('web app webhooks', () => {
  let t: TestServer;
  let browser: Browser;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  // What the receiver answers next: the test breaks and mends it.
  let answer: [number, string] = [200, 'thanks'];

  beforeAll(async () => {
    [t, browser, rx] = await Promise.all([
      startTestServer('sqlite', {
        env: {
          // The delivery worker runs, may post to loopback, and retries a failure only after
          // 15 s or more, so what the screen shows after a failure stays until Replay.
          BZCTRL_JOBS: 'true',
          BZCTRL_JOB_INTERVAL: '3600',
          BZCTRL_WEBHOOK_ALLOW_PRIVATE: 'true',
          BZCTRL_WEBHOOK_BACKOFF_MS: '30000',
        },
      }),
      launchBrowser(),
      startReceiver(() => answer),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await rx?.close();
  });

  const verified = (secret: string, r: Received) =>
    new Webhook(secret).verify(r.body, {
      'webhook-id': String(r.headers['webhook-id']),
      'webhook-timestamp': String(r.headers['webhook-timestamp']),
      'webhook-signature': String(r.headers['webhook-signature']),
    });

  /** The value of the once-only panel whose title matches. */
  async function onceValue(page: Page, title: RegExp): Promise<string> {
    const panel = page.getByRole('region', { name: title });
    await panel.getByText('Copy it now; it will not be shown again.').waitFor();
    return (await panel.locator('.admin-once__value code').textContent()) ?? '';
  }

  /** The delivery log's rows, newest first (the header row left out). */
  const deliveryRows = (page: Page): Locator =>
    page.getByRole('table', { name: /^Deliveries of webhook/ }).locator('tbody tr');

  it('creates a webhook, shows its secret once, and shows what each delivery lived', async () => {
    const w: WatchedPage = await openPage(browser);
    const { page } = w;
    await w.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    await page.goto(`${t.url}/app/#/admin/webhooks`);
    await signIn(page, 'admin@example.com', 'Admin@12345');
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    await page.getByText('No webhooks yet').waitFor();

    // Refused field by field, in words: an empty address and no type ticked (checked on the
    // page), then an address the server refuses (its reason, rephrased).
    const form = page.getByRole('form', { name: 'New webhook' });
    await form.getByLabel('Only the types ticked below').check();
    await form.getByRole('button', { name: 'Create webhook' }).click();
    await form.getByText('Enter the address BzCtrl sends the events to').waitFor();
    await form.getByText('Tick at least one event type, or choose all').waitFor();
    expect(await form.getByLabel('Target URL').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('Target URL').fill(rx.url.replace('http://', 'http://user:pw@'));
    await form.getByRole('checkbox', { name: /^Created/ }).check();
    await form.getByRole('checkbox', { name: /^Status changed/ }).check();
    await form.getByRole('button', { name: 'Create webhook' }).click();
    await form.getByText('Leave the user name and password out of the address').waitFor();
    expect(await form.getByText(/must|characters/).count()).toBe(0);

    await form.getByLabel('Target URL').fill(rx.url);
    await form.getByRole('checkbox', { name: /IMP-NLD-EXA-SWA/ }).check();
    await form.getByRole('button', { name: 'Create webhook' }).click();
    const secret = await onceValue(page, /^Secret of webhook \d+$/);
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Copy signing secret' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    const row = page.getByRole('row').filter({ hasText: rx.url });
    await row.getByRole('cell', { name: 'Created, Status changed' }).waitFor();
    await row.getByRole('cell', { name: 'IMP-NLD-EXA-SWA' }).waitFor();
    await row.getByRole('cell', { name: 'admin@example.com' }).waitFor();
    await row.getByText('Enabled').waitFor();
    await row.getByText('None yet').waitFor();

    // Leaving the screen and coming back: the secret is gone for good.
    const sections = page.getByRole('navigation', { name: 'Admin sections' });
    await sections.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).first().waitFor();
    await sections.getByRole('link', { name: 'Webhooks' }).click();
    await row.getByText('None yet').waitFor();
    expect(await page.getByText(secret).count()).toBe(0);
    expect(await page.getByRole('region', { name: /Secret of webhook/ }).count()).toBe(0);

    // A test ping arrives, signed with that secret, and the log shows it delivered.
    await row.getByRole('button', { name: 'Send test' }).click();
    await rx.until(() => rx.got.length >= 1);
    const ping = rx.got[0] as Received;
    expect(verified(secret, ping)).toMatchObject({ type: 'webhook.test' });
    const first = deliveryRows(page).first();
    await first.getByText('Delivered').waitFor();
    await first.getByRole('cell', { name: 'Test ping' }).waitFor();
    await first.getByText('HTTP 200').waitFor();
    await first.getByText('thanks').waitFor();
    await row.getByText('Delivered').waitFor();

    // The receiver breaks: the next test shows the failure, its status and first bytes.
    answer = [500, 'receiver broken: database down'];
    await row.getByRole('button', { name: 'Send test' }).click();
    await rx.until(() => rx.got.length >= 2);
    await expect.poll(() => deliveryRows(page).count()).toBe(2);
    const failed = deliveryRows(page).first();
    await failed.getByText('Failed, will retry').waitFor();
    await failed.getByText('HTTP 500').waitFor();
    await failed.getByText('receiver broken: database down').waitFor();
    expect(await failed.getByRole('cell', { name: '1', exact: true }).count()).toBe(1);
    const failedId = ((await failed.getByRole('cell').first().textContent()) ?? '').slice(1);
    expect(failedId).toMatch(/^\d+$/);
    await row.getByText('Failed, will retry').waitFor();

    // Mended, Replay sends the same message again, and the log shows it delivered.
    answer = [200, 'back again'];
    await failed.getByRole('button', { name: `Replay delivery ${failedId}` }).click();
    await rx.until(() => rx.got.length >= 3);
    expect(rx.got[2]?.headers['webhook-id']).toBe(rx.got[1]?.headers['webhook-id']);
    await expect.poll(() => deliveryRows(page).count()).toBe(3);
    const replayed = deliveryRows(page).first();
    await replayed.getByText(`replay of #${failedId}`).waitFor();
    await replayed.getByText('Delivered').waitFor();
    await replayed.getByText('back again').waitFor();
    await row.getByText('Delivered').waitFor();
    await screenshot(page, 'admin-webhooks');

    // Changed to every todo event, for every workspace; the secret stays.
    await row.getByRole('button', { name: /^Edit webhook \d+$/ }).click();
    const edit = page.getByRole('form', { name: /^Change webhook \d+$/ });
    await edit.getByRole('radio', { name: /All todo events/ }).check();
    await edit.getByRole('checkbox', { name: /IMP-NLD-EXA-SWA/ }).uncheck();
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await row.getByRole('cell', { name: 'All todo events', exact: true }).waitFor();
    await row.getByRole('cell', { name: 'All', exact: true }).waitFor();
    expect(await edit.count()).toBe(0);

    // Rotating asks first, then shows the new secret once; the receiver gets it signed.
    await row.getByRole('button', { name: 'Rotate secret' }).click();
    await row.getByRole('button', { name: 'Rotate now' }).click();
    const rotated = await onceValue(page, /^New secret of webhook \d+$/);
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await expect.poll(() => page.getByText(rotated).count()).toBe(0);
    // (The failed delivery's own retry may arrive meanwhile: the new ping is the new message.)
    const seen = new Set(rx.got.map((r) => r.headers['webhook-id']));
    const isNew = (r: Received) => !seen.has(r.headers['webhook-id']);
    await row.getByRole('button', { name: 'Send test' }).click();
    await rx.until(() => rx.got.some(isNew));
    expect(verified(rotated, rx.got.find(isNew) as Received)).toMatchObject({
      type: 'webhook.test',
    });

    // Disabled with its reason, a test waits for it; enabled again, the test is sent.
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled by an administrator').waitFor();
    const known = new Set(rx.got.map((r) => r.headers['webhook-id']));
    const isLater = (r: Received) => !known.has(r.headers['webhook-id']);
    await row.getByRole('button', { name: 'Send test' }).click();
    await page.getByText(/is queued; it is sent once the webhook is enabled\.$/).waitFor();
    await page
      .getByText(/This webhook is disabled: its deliveries wait until it is enabled\./)
      .waitFor();
    await deliveryRows(page).first().getByText('Waiting').waitFor();
    expect(rx.got.some(isLater)).toBe(false);
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('Enabled').waitFor();
    await rx.until(() => rx.got.some(isLater));
    await deliveryRows(page).first().getByText('Delivered').waitFor();

    // Delete asks first; then the webhook is gone from the list and from the API.
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText('No webhooks yet').waitFor();
    const admin = await t.login('admin@example.com');
    const left = await t.request('GET', '/bzctrl-core-api/api/v1/webhooks', { token: admin });
    expect(left.body.items).toEqual([]);

    // An API client's own webhook is listed too, under its owner.
    const granted = await t.request('POST', '/bzctrl-core-api/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'erp',
        client_secret: 'erp-client-secret-0001',
      }),
    });
    const made = await t.request('POST', '/bzctrl-core-api/api/v1/webhooks', {
      token: granted.body.access_token,
      body: { url: rx.url, events: ['todo.deleted'], includeOwn: true },
    });
    expect(made.status, made.text).toBe(201);
    await page.reload();
    const erpRow = page.getByRole('row').filter({ hasText: 'erp (API client)' });
    await erpRow.getByRole('cell', { name: 'Deleted · own changes too' }).waitFor();
    expect(await page.getByText(made.body.secret).count()).toBe(0);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('does not offer webhooks to a member, and says so on the route', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#/admin/webhooks`);
    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    await w.page.getByText('You need the admin role').waitFor();
    expect(await w.page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    expect(await w.page.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
    expect(await w.page.getByRole('form', { name: 'New webhook' }).count()).toBe(0);
    const member = await t.login('example@example.com');
    const refused = await t.request('GET', '/bzctrl-core-api/api/v1/webhooks', { token: member });
    expect(refused.status).toBe(403);
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
