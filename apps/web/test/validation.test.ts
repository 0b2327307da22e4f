import type { Browser, Locator, Page } from 'playwright-core';
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

// One way to show a problem, everywhere: plain words at the field (tied to it with
// aria-describedby, one style), the app's own checks in the form contract's words and the
// server's in the same words — never schema text, never a browser bubble.

const NO_ENDING =
  'The domain has no ending such as .com: enter the full address, like name@example.com.';

/** The text at a field: what its aria-describedby points to that is an error. */
async function errorAt(page: Page, control: Locator): Promise<string> {
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
  for (const id of ids) {
    const el = page.locator(`[id="${id}"].field__error`);
    if ((await el.count()) === 1) return (await el.textContent()) ?? '';
  }
  return '';
}

/** Every form on the page leaves checking to the app (no browser bubbles). */
const allNoValidate = (page: Page) =>
  page.evaluate(() => [...document.forms].every((f) => f.noValidate));

describeBrowser('web app: validation at the field', () => {
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

  it('sign-in: what is missing or wrong is said at its field, the refusal at the password', async () => {
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(`${t.url}/app/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await allNoValidate(page)).toBe(true);
    const email = page.getByLabel('E-mail');
    const password = page.getByLabel('Password');

    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => errorAt(page, email)).toBe('Fill this in.');
    expect(await errorAt(page, password)).toBe('Fill this in.');
    expect(await email.getAttribute('aria-invalid')).toBe('true');

    await email.fill('gate.clerk@example');
    await password.fill('whatever');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => errorAt(page, email)).toBe(NO_ENDING);
    expect(await errorAt(page, password)).toBe('');

    await email.fill('example@example.com');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => errorAt(page, password)).toBe('The e-mail or password is not right.');
    expect(await errorAt(page, email)).toBe('');
    await screenshot(page, 'sign-in-error');
    await w.context.close();
  });

  it('admin: the server’s problems are plain sentences at their fields, never schema text', async () => {
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(`${t.url}/app/#/admin/users`);
    await signIn(page, 'admin@example.com', 'Admin@12345');
    const form = page.getByRole('form', { name: 'New user' });
    await form.waitFor();
    expect(await allNoValidate(page)).toBe(true);
    const name = form.getByRole('textbox', { name: 'Name', exact: true });
    const email = form.getByLabel('E-mail');
    const password = form.getByLabel('Password');

    // Nothing filled in: the schema's refusals, each at its field, in words.
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => errorAt(page, name)).toBe('Fill this in.');
    await name.fill('Gate Clerk');
    await email.fill('gate.clerk@example');
    await password.fill('short');
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => errorAt(page, password)).toBe('Use at least 8 characters.');
    await screenshot(page, 'admin-user-errors');
    // The password fixed, the address is refused for its missing domain ending.
    await password.fill('Gate-pass-1');
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => errorAt(page, email)).toBe(NO_ENDING);
    expect(await page.getByText(/must NOT|must have|must be/).count()).toBe(0);

    await email.fill('gate.clerk@example.com');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('User gate.clerk@example.com created.').waitFor();
    // The next user starts from a blank form.
    expect(await name.inputValue()).toBe('');
    expect(await email.inputValue()).toBe('');
    expect(await password.inputValue()).toBe('');
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('admin: after creating an exposed endpoint the form starts blank again', async () => {
    const w = await openPage(browser);
    const { page } = w;
    await page.goto(`${t.url}/app/#/admin/endpoints`);
    await signIn(page, 'admin@example.com', 'Admin@12345');
    const form = page.getByRole('form', { name: 'New exposed endpoint' });
    await form.waitFor();
    expect(await allNoValidate(page)).toBe(true);
    const workspace = form.getByRole('combobox', { name: 'Workspace', exact: true });
    await workspace.selectOption('IMP-NLD-EXA-SWA');
    await form.getByLabel('Endpoint name').fill('Gate form');
    await form.getByLabel('Allowed origins').fill('https://gate.example.com');
    await form.getByLabel('Todo type').selectOption('INCIDENT');
    await form.getByLabel('Reporter').fill('gate@example');
    await form.getByLabel('Tags').fill('gate');
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    await expect.poll(() => errorAt(page, form.getByLabel('Reporter'))).toBe(NO_ENDING);

    await form.getByLabel('Reporter').fill('example@example.com');
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('row').filter({ hasText: 'Gate form' }).waitFor();
    for (const [label, control] of [
      ['Workspace', workspace],
      ['Endpoint name', form.getByLabel('Endpoint name')],
      ['Allowed origins', form.getByLabel('Allowed origins')],
      ['Todo type', form.getByLabel('Todo type')],
      ['Reporter', form.getByLabel('Reporter')],
      ['Tags', form.getByLabel('Tags')],
    ] as const) {
      expect(await control.inputValue(), label).toBe('');
    }
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
