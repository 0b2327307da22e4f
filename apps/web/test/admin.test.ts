import type { Browser, Page } from 'playwright-core';
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

const TOKEN = '/bzctrl-core-api/oauth/token';

// The admin screens over the admin API: what an administrator sets up must then work
// from outside (a client secret signs in, an exposed URL creates todos).
describeBrowser('web app admin', () => {
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

  async function openAsAdmin(section: string): Promise<WatchedPage> {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#/admin/${section}`);
    await signIn(w.page, 'admin@example.com', 'Admin@12345');
    await w.page.getByRole('navigation', { name: 'Admin sections' }).waitFor();
    return w;
  }

  const clientToken = (clientId: string, secret: string) =>
    t.request('POST', TOKEN, {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
      }),
    });

  /** The value a once-only panel shows (a secret, a URL). */
  async function onceValue(page: Page, title: string): Promise<string> {
    const panel = page.getByRole('region', { name: title });
    await panel.getByText('Copy it now; it will not be shown again.').waitFor();
    return (await panel.locator('code').textContent()) ?? '';
  }

  it('creates an API client whose secret is shown once, copies and works; rotating replaces it', async () => {
    const w = await openAsAdmin('clients');
    const { page } = w;
    await w.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    await page.getByRole('heading', { name: 'API clients' }).waitFor();
    // The fixture's clients are listed, never with a secret.
    await page.getByRole('cell', { name: 'erp', exact: true }).waitFor();

    const form = page.getByRole('form', { name: 'New API client' });
    await form.getByLabel('Client name').fill('Scanner');
    // A bad id is refused at its field, in words.
    await form.getByLabel('Client ID').fill('bad id!');
    await form.getByRole('checkbox', { name: /IMP-NLD-EXA-SWA/ }).check();
    await form.getByRole('button', { name: 'Create client' }).click();
    await expect.poll(() => form.getByLabel('Client ID').getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('Client ID').fill('scanner');
    await form.getByRole('button', { name: 'Create client' }).click();
    const secret = await onceValue(page, 'Secret of scanner');
    expect(secret.length).toBeGreaterThan(20);
    await page
      .getByRole('region', { name: 'Secret of scanner' })
      .getByRole('button', { name: 'Copy client secret' })
      .click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await page.getByRole('cell', { name: 'scanner', exact: true }).waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'admin-clients');

    // The secret works: a client-credentials token, and the token reads todos.
    const granted = await clientToken('scanner', secret);
    expect(granted.status).toBe(200);
    const todos = await t.request('GET', '/bzctrl-core-api/api/v1/todos', {
      token: granted.body.access_token,
    });
    expect(todos.status).toBe(200);

    // Closed, the secret is gone from the page for good.
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await expect.poll(() => page.getByText(secret).count()).toBe(0);

    // Rotating asks first, then shows the new secret once; the old one stops working.
    const row = page.getByRole('row').filter({ hasText: 'Scanner' });
    await row.getByRole('button', { name: 'Rotate secret' }).click();
    await row.getByRole('button', { name: 'Rotate now' }).click();
    const rotated = await onceValue(page, 'New secret of scanner');
    expect(rotated).not.toBe(secret);
    expect((await clientToken('scanner', secret)).status).toBe(401);
    expect((await clientToken('scanner', rotated)).status).toBe(200);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('exposes a workspace: the URL is shown once, creates todos, and rotating retires it', async () => {
    const w = await openAsAdmin('endpoints');
    const { page } = w;
    await page.getByRole('heading', { name: 'Exposed endpoints' }).waitFor();
    await page.getByText('No exposed endpoints yet').waitFor();

    const form = page.getByRole('form', { name: 'New exposed endpoint' });
    await form
      .getByRole('combobox', { name: 'Workspace', exact: true })
      .selectOption('IMP-NLD-EXA-SWA');
    await form.getByLabel('Endpoint name').fill('Website form');
    await form.getByLabel('Todo type').selectOption('INCIDENT');
    await form.getByLabel('Tags').fill('website, form');
    // A reporter without access to the workspace is refused at the field.
    await form.getByLabel('Reporter').fill('outsider@other.example');
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    await expect.poll(() => form.getByLabel('Reporter').getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('Reporter').fill('example@example.com');
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    const url = await onceValue(page, 'URL of Website form');
    const path = new URL(url).pathname;
    expect(path).toMatch(/^\/bzctrl-core-api\/api\/v1\/task\/add-exposed-task\/[0-9a-f-]{36}$/);

    // Anyone with the URL creates a todo in that workspace, without a token.
    const created = await t.request('POST', path, {
      body: { title: 'Seal broken', description: 'Container arrived with a broken seal' },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^IMP-NLD-EXA-SWA-/);
    expect(created.body.tags).toEqual(expect.arrayContaining(['website', 'form']));

    await page.getByRole('button', { name: 'I have stored it' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Website form' });
    await row.getByText(`…${path.slice(-4)}`).waitFor();

    // Disabled, the URL answers 404; enabled again, it works.
    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('Website form is disabled.').waitFor();
    expect((await t.request('POST', path, { body: { title: 'x', description: 'y' } })).status).toBe(
      404,
    );
    await row.getByRole('button', { name: 'Enable' }).click();
    await page.getByText('Website form is enabled.').waitFor();

    await row.getByRole('button', { name: 'Rotate URL' }).click();
    await row.getByRole('button', { name: 'Rotate now' }).click();
    const newPath = new URL(await onceValue(page, 'New URL of Website form')).pathname;
    expect(newPath).not.toBe(path);
    const body = { title: 'Pallet damaged', description: 'Forklift damage' };
    expect((await t.request('POST', path, { body })).status).toBe(404);
    expect((await t.request('POST', newPath, { body })).status).toBe(201);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('creates a user, manages memberships and disables the user', async () => {
    const w = await openAsAdmin('users');
    const { page } = w;
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('Nina Auditor');
    await form.getByLabel('E-mail').fill('nina@example.com');
    await form.getByLabel('Password').fill('Nina-pass-1');
    await form.getByRole('checkbox', { name: /VTT-NLD-TML-FIN/ }).check();
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('User nina@example.com created.').waitFor();
    // The new user signs in with that password.
    expect(await t.login('nina@example.com', 'Nina-pass-1')).toBeTruthy();

    await page.getByRole('button', { name: 'Edit nina@example.com' }).click();
    await page.getByLabel('Add to workspace').selectOption('IMP-NLD-EXA-SWA');
    await page.getByRole('button', { name: 'Add membership' }).click();
    await page.getByText('nina@example.com is now a member of IMP-NLD-EXA-SWA.').waitFor();
    await page
      .getByRole('button', { name: 'Remove nina@example.com from VTT-NLD-TML-FIN' })
      .click();
    await page.getByText('nina@example.com left VTT-NLD-TML-FIN.').waitFor();
    const admin = await t.login('admin@example.com');
    const user = await t.request('GET', '/bzctrl-core-api/api/v1/admin/users/nina@example.com', {
      token: admin,
    });
    expect(user.body.workspaces).toEqual(['IMP-NLD-EXA-SWA']);

    const row = page.getByRole('row').filter({ hasText: 'nina@example.com' }).first();
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Disable user' }).click();
    await page.getByText('nina@example.com is disabled.').waitFor();
    const refused = await t.request('POST', TOKEN, {
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'nina@example.com',
        password: 'Nina-pass-1',
      }),
    });
    expect(refused.status).not.toBe(200);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('manages domains, workspaces, locations and custom fields, and explains refusals', async () => {
    const w = await openAsAdmin('workspaces');
    const { page } = w;
    const domainForm = page.getByRole('form', { name: 'New domain' });
    await domainForm.getByLabel('Domain code').fill('TST-NLD-RTM');
    await domainForm.getByLabel('Domain name').fill('Test Rotterdam');
    await domainForm.getByRole('button', { name: 'Create domain' }).click();
    await page.getByText('Domain TST-NLD-RTM created.').waitFor();

    const wsForm = page.getByRole('form', { name: 'New workspace' });
    await wsForm.getByRole('combobox', { name: 'Domain' }).selectOption('TST-NLD-RTM');
    await wsForm.getByLabel('Workspace code').fill('QA');
    await wsForm.getByLabel('Workspace name').fill('Quality');
    await wsForm.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByText('Workspace TST-NLD-RTM-QA created.').waitFor();

    // A domain with workspaces cannot go: the refusal is said in words, nothing changes.
    const domainRow = page.getByRole('row').filter({ hasText: 'Test Rotterdam' });
    await domainRow.getByRole('button', { name: 'Delete' }).click();
    await domainRow.getByRole('button', { name: 'Delete domain' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /TST-NLD-RTM-QA/ })
      .waitFor();

    await page.getByRole('link', { name: 'Locations' }).click();
    const locForm = page.getByRole('form', { name: 'New location' });
    await locForm.getByLabel('Location name').fill('Rotterdam');
    await locForm.getByRole('button', { name: 'Create location' }).click();
    await page.getByText('Location Rotterdam created.').waitFor();
    await page.getByRole('button', { name: 'Rename Rotterdam' }).click();
    await page.getByLabel('New name of Rotterdam').fill('Rotterdam Port');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Location renamed to Rotterdam Port.').waitFor();

    await page.getByRole('link', { name: 'Custom fields' }).click();
    const cfForm = page.getByRole('form', { name: 'New custom field' });
    await cfForm.getByLabel('Module').selectOption('incident');
    await cfForm.getByLabel('Field name').fill('Vessel');
    await cfForm.getByLabel('Type').selectOption('8');
    await cfForm.getByLabel('Allowed values').fill('Alpha\nBeta');
    await cfForm.getByRole('button', { name: 'Create field' }).click();
    await page.getByText('Field Vessel created.').waitFor();
    await page.getByRole('cell', { name: 'Alpha, Beta' }).waitFor();

    const admin = await t.login('admin@example.com');
    const fields = await t.request('GET', '/bzctrl-core-api/api/v1/admin/custom-fields', {
      token: admin,
    });
    expect(fields.body.items).toEqual([
      expect.objectContaining({
        module: 'incident',
        name: 'Vessel',
        type: 8,
        options: ['Alpha', 'Beta'],
      }),
    ]);
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('does not show administration to a member, and the API refuses them anyway', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${t.url}/app/#/admin/clients`);
    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    await w.page.getByText('You need the admin role').waitFor();
    expect(await w.page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    expect(await w.page.getByRole('navigation', { name: 'Admin sections' }).count()).toBe(0);
    const member = await t.login('example@example.com');
    const refused = await t.request('GET', '/bzctrl-core-api/api/v1/admin/clients', {
      token: member,
    });
    expect(refused.status).toBe(403);
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
