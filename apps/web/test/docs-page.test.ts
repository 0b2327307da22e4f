import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readProvisionFile } from '../../server/src/core/provisioning/provision.service.ts';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  screenshot,
} from '../../server/test/support/browser.ts';
import { startTestServer, type TestServer } from '../../server/test/support/harness.ts';

const DEMO = fileURLToPath(new URL('../../../examples/demo.provision.json', import.meta.url));
const ADD_TASK = '/bzctrl-core-api/api/v1/task/add-task';

// /docs as a first visitor uses it: sign in through "Authorize" as the demo's member,
// open add-task ("Try it out" is on already), "Execute" with the example as it is: 201.
describeBrowser('API docs page (/docs)', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { provision: await readProvisionFile(DEMO) });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("tries seed 001's add-task successfully the first time", async () => {
    const w = await openPage(browser, { height: 900 });
    const { page } = w;
    await page.goto(`${t.url}/docs`);
    await page.getByRole('button', { name: 'Authorize' }).first().click();

    // The member's sign-in (OAuth 2.0 password grant), with every scope it offers.
    const dialog = page.locator('.dialog-ux');
    const member = dialog
      .locator('h4', { hasText: /^userSignIn \(OAuth2, password\)/ })
      .locator('..');
    await member.locator('[data-name="username"]').fill('example@example.com');
    await member.locator('[data-name="password"]').fill('Ex@mpl3!');
    await member.getByText('select all').click();
    await member.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
    // Signed in: Swagger UI offers to log out instead, and says nothing went wrong.
    await member.locator('button', { hasText: 'Logout' }).waitFor();
    expect(await member.locator('.errors').count()).toBe(0);
    await member.locator('button.btn-done').click();

    const op = page
      .locator('.opblock-post')
      .filter({ has: page.locator(`.opblock-summary-path[data-path="${ADD_TASK}"]`) });
    await op.locator('.opblock-summary').click();
    // "Try it out" is on from the start (the page's configuration): the example is editable.
    await op.locator('textarea.body-param__text').waitFor();
    await op.getByRole('button', { name: 'Execute' }).click();
    const status = op.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    const response =
      (await op
        .locator('.live-responses-table tbody .response-col_description pre.microlight')
        .first()
        .textContent()) ?? '';
    expect((await status.textContent())?.trim(), response).toBe('201');
    expect(response).toContain('"taskLink"');
    expect(response).toContain('VTT-NLD-TML-FIN-');
    // The page and the request as sent, down to the server's answer; the token hidden.
    await screenshot(page, 'docs-try-add-task', {
      from: op,
      to: op.locator('.live-responses-table'),
      mask: [op.locator('.curl-command')],
    });
    expectNoConsoleErrors(w);
  });
});
