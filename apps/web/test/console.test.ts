import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeBrowser,
  expectNoConsoleErrors,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
} from '../../server/test/support/browser.ts';
import { startTestServer, type TestServer } from '../../server/test/support/harness.ts';

/**
 * The curl command the console shows, read back the way a shell would: the URL, the
 * headers and the body (each a single-quoted word; `'\''` is a quote inside one).
 */
function parseCurl(text: string): { url: string; headers: Record<string, string>; body: string } {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (const m of text.replace(/\\\n/g, ' ').matchAll(re)) {
    words.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] ?? ''));
  }
  let url = '';
  let body = '';
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '-H') {
      const [name, ...rest] = (words[++i] ?? '').split(':');
      headers[(name ?? '').toLowerCase()] = rest.join(':').trim();
    } else if (w === '-d') body = words[++i] ?? '';
    else if (w === '-X') i++;
    else if (/^https?:/.test(w)) url = w;
  }
  return { url, headers, body };
}

// The API console: a token for yourself, the add-task request as curl, and trying it.
describeBrowser('web app API console', () => {
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

  it('gets a token for the user, shows a curl that works, and tries the request', async () => {
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(`${t.url}/app/#/console`);
    await signIn(page, 'example@example.com', 'Ex@mpl3!');
    await page.getByRole('heading', { name: 'API console' }).waitFor();
    await page.getByRole('combobox', { name: 'Workspace' }).selectOption('IMP-NLD-EXA-SWA');
    expect(new URL(page.url()).hash).toBe('#/console?workspace=IMP-NLD-EXA-SWA');

    // Without a token the request cannot be tried.
    expect(await page.getByRole('button', { name: 'Send request (dry run)' }).isDisabled()).toBe(
      true,
    );

    // A wrong password is said in words at the field.
    const password = page.getByLabel('Your password');
    await password.fill('not-my-password');
    await page.getByRole('button', { name: 'Get token' }).click();
    await page.getByText('That password is not right.').waitFor();

    await password.fill('Ex@mpl3!');
    await page.getByRole('button', { name: 'Get token' }).click();
    const tokenField = page.getByLabel('Access token');
    await tokenField.waitFor();
    expect(await tokenField.getAttribute('type')).toBe('password');
    await page.getByText(/^Valid until /).waitFor();
    await page.getByRole('button', { name: 'Show token' }).click();
    expect(await tokenField.getAttribute('type')).toBe('text');
    const token = await tokenField.inputValue();

    // The token is the user's: it reads their todos.
    const todos = await t.request('GET', '/bzctrl-core-api/api/v1/todos', { token });
    expect(todos.status).toBe(200);

    // The curl shown is the request: the add-task URL (a dry run), the token, the seed body.
    const curlText =
      (await page
        .getByRole('region', { name: 'The request as curl' })
        .locator('pre')
        .textContent()) ?? '';
    const curl = parseCurl(curlText);
    expect(curl.url).toBe(`${t.url}/bzctrl-core-api/api/v1/task/add-task?dryRun=true`);
    expect(curl.headers.authorization).toBe(`Bearer ${token}`);
    expect(curl.headers['content-type']).toBe('application/json');
    const body = JSON.parse(curl.body);
    expect(body).toMatchObject({
      todoType: 'INCIDENT',
      domainWorkSpace: 'IMP-NLD-EXA-SWA',
      reporter: 'example@example.com',
    });
    // …and running it as written answers the dry run.
    const ran = await fetch(curl.url, { method: 'POST', headers: curl.headers, body: curl.body });
    expect(ran.status).toBe(200);
    expect((await ran.json()).key).toBeNull();

    // Try it: a dry run first.
    await page.getByRole('button', { name: 'Send request (dry run)' }).click();
    await page.getByText('Dry run: the request is valid; nothing was stored.').waitFor();
    await page.getByText('200 OK').waitFor();
    await page.getByRole('button', { name: 'Hide token' }).click();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'console');

    // A field the server refuses comes back with its status and reasons.
    const bodyField = page.getByLabel('Request body (JSON)');
    await bodyField.fill(JSON.stringify({ ...body, reporter: 'outsider@other.example' }));
    await page.getByRole('button', { name: 'Send request (dry run)' }).click();
    await page.getByText('Refused; the answer names the fields to fix.').waitFor();
    await bodyField.fill('{ not json');
    await page.getByRole('button', { name: 'Send request (dry run)' }).click();
    await page.getByText(/This is not valid JSON/).waitFor();

    // Really creating links to the new todo.
    await bodyField.fill(JSON.stringify(body));
    await page.getByLabel(/Really create the todo/).check();
    await page.getByRole('button', { name: 'Send request', exact: true }).click();
    await page.getByText('201 Created').waitFor();
    const link = page.getByRole('link', { name: /^Open IMP-NLD-EXA-SWA-/ });
    const key = ((await link.textContent()) ?? '').replace('Open ', '');
    const stored = await t.request('GET', `/bzctrl-core-api/api/v1/tasks/${key}`, { token });
    expect(stored.status).toBe(200);
    expect(stored.body.title).toBe(body.title);
    await link.click();
    expect(new URL(page.url()).hash).toBe(`#/todo/${key}`);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('says so when the password grant is turned off on the server', async () => {
    const off = await startTestServer('sqlite', { env: { BZCTRL_PASSWORD_GRANT: 'false' } });
    try {
      const w = await openPage(browser);
      await w.page.goto(`${off.url}/app/#/console`);
      // The web app's own sign-in still works; only the grant for integrators is off.
      await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
      await w.page.getByLabel('Your password').fill('Ex@mpl3!');
      await w.page.getByRole('button', { name: 'Get token' }).click();
      await w.page.getByText(/The password grant is turned off on this server/).waitFor();
      expect(await w.page.getByLabel('Access token').count()).toBe(0);
      expectNoConsoleErrors(w);
      await w.context.close();
    } finally {
      await off.close();
    }
  });
});
