import type { Browser, Page } from 'playwright-core';
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

const API = '/bzctrl-core-api/api/v1';
const LIMIT = 10_000;

// Issue 16 items 8 and 9: the comment box counts near its limit and keeps an over-long text
// whole; comments are Markdown, rendered by the web app only and sanitized before they
// reach the page (no script, no inline handler, no CSP violation).
describeBrowser('web app: comments', () => {
  let t: TestServer;
  let browser: Browser;
  let token: string;
  /** A todo for the length checks, another for the Markdown (and its screenshot). */
  let key: string;
  let mdKey: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    browser = await launchBrowser();
    token = await t.login('example@example.com');
    const create = async (title: string) => {
      const res = await t.request('POST', `${API}/todos`, {
        token,
        body: {
          todoType: 'INCIDENT',
          workspace: 'IMP-NLD-EXA-SWA',
          title,
          description: 'Seal 449120 found, manifest says 449210.',
          reporter: 'example@example.com',
        },
      });
      expect(res.status, res.text).toBe(201);
      return res.body.key as string;
    };
    key = await create('Seal number differs');
    mdKey = await create('Seal number differs again');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** The details page, signed in, recording CSP violations and any dialog a script opens. */
  async function open(todoKey: string, title: string) {
    // Not openSignedIn: the watchers must be in place before the first load.
    const w = await openPage(browser, { width: 1280, height: 900 });
    const alerts: string[] = [];
    w.page.on('dialog', (d) => {
      alerts.push(d.message());
      void d.dismiss();
    });
    await w.context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) =>
        seen.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    await w.page.goto(`${t.url}/app/#/todo/${todoKey}`);
    await signIn(w.page, 'example@example.com', 'Ex@mpl3!');
    await w.page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
    return { ...w, alerts };
  }
  const violations = (page: Page) =>
    page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
  const comments = async (todoKey = key) =>
    (await t.request('GET', `${API}/todos/${todoKey}/comments`, { token })).body.items as {
      body: string;
    }[];

  it('counts near the limit and keeps an over-long comment whole, refusing it with the message', async () => {
    const w = await open(key, 'Seal number differs');
    const { page } = w;
    const box = page.getByLabel('Add a comment');
    const counter = (n: number) => page.getByText(new RegExp(`\\b${n} / ${LIMIT} characters`));

    await box.fill('a'.repeat(LIMIT * 0.8 - 1));
    expect(await counter(LIMIT * 0.8 - 1).count()).toBe(0);
    await box.fill('a'.repeat(LIMIT * 0.8));
    await counter(LIMIT * 0.8).waitFor();

    const pasted = 'b'.repeat(LIMIT + 25);
    await box.fill(pasted);
    expect(await box.inputValue()).toBe(pasted);
    await page
      .getByText(`Too long by 25 characters: shorten it to ${LIMIT}.`, { exact: true })
      .waitFor();
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.getByText(`Use at most ${LIMIT} characters.`, { exact: true }).waitFor();
    // Kept whole, nothing sent.
    expect(await box.inputValue()).toBe(pasted);
    expect(await comments()).toEqual([]);

    // Shortened to the limit, it goes through.
    await box.fill('c'.repeat(LIMIT));
    await page.getByRole('button', { name: 'Add comment' }).click();
    await expect.poll(async () => (await comments()).length).toBe(1);
    await expect.poll(() => box.inputValue()).toBe('');
    expectNoConsoleErrors(w);
    await w.context.close();
  });

  it('renders Markdown safely: formatting, lists and links, but no HTML, script or javascript: link', async () => {
    const source = [
      '**Bold move** and *care*',
      '',
      '- first step',
      '- second step',
      '',
      'See [the manual](https://example.com/manual) and `seal 449120`.',
      '',
      '<img src=x onerror=alert(1)> <script>alert(2)</script> [bad link](javascript:alert(3))',
      '',
      '![pixel](https://example.com/pixel.png)',
    ].join('\n');
    const w = await open(mdKey, 'Seal number differs again');
    const { page } = w;
    await page.getByText('Markdown supported', { exact: false }).waitFor();
    await page.getByLabel('Add a comment').fill(source);
    // The preview renders the same way before it is sent.
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Preview of the comment' });
    await preview.locator('strong', { hasText: 'Bold move' }).waitFor();
    await page.getByRole('button', { name: 'Add comment' }).click();

    const body = page
      .locator('.todo-comment')
      .filter({ hasText: 'Bold move' })
      .locator('.todo-comment__body');
    await body.locator('strong', { hasText: 'Bold move' }).waitFor();
    expect(await body.locator('em').textContent()).toBe('care');
    expect(await body.locator('li').allTextContents()).toEqual(['first step', 'second step']);
    expect(await body.locator('code').textContent()).toBe('seal 449120');
    const link = body.getByRole('link', { name: 'the manual' });
    expect(await link.getAttribute('href')).toBe('https://example.com/manual');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    // Neutralised: no element, no handler, no javascript: URL, no image; the HTML reads as typed.
    expect(await body.locator('img, script, [onerror]').count()).toBe(0);
    expect(await body.locator('a[href^="javascript"]').count()).toBe(0);
    expect(await body.getByRole('link', { name: 'bad link' }).count()).toBe(0);
    expect(await body.textContent()).toContain('<img src=x onerror=alert(1)>');
    expect(await body.textContent()).toContain('bad link');
    expect(w.alerts).toEqual([]);
    expect(await violations(page)).toEqual([]);

    // The API keeps and returns the text as typed; the history is unchanged (plain text).
    expect((await comments(mdKey)).map((c) => c.body)).toEqual([source]);
    const history = page.locator('section', {
      has: page.getByRole('heading', { name: 'History' }),
    });
    await expect.poll(() => history.textContent()).toContain('**Bold move** and *care*');

    // A fresh load renders the stored comment the same way, still without a violation.
    await page.reload();
    await body.locator('strong', { hasText: 'Bold move' }).waitFor();
    expect(await body.locator('img, script, [onerror]').count()).toBe(0);
    await screenshot(page, 'todo-comments');
    expect(w.alerts).toEqual([]);
    expect(await violations(page)).toEqual([]);
    expectNoConsoleErrors(w);
    await w.context.close();
  });
});
