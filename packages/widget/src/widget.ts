// <bzctrl-todo-form>: the embeddable form that creates BzCtrl incidents and tasks from any
// page (docs/widget.md). Plain DOM in a shadow root, no framework: the whole thing is one
// small classic script the server hands out at /widget.js. The element keeps the state
// and the flow; fields.logic.ts decides what to show, check and send, view.ts draws it.
import { type Contract, readContract } from '@bzctrl/form-contract';
// Only the key function: the SDK's client is not bundled (the build keeps what is used).
import { newIdempotencyKey } from '@bzctrl/sdk';
import { type Answer, type CreatedDetail, callBzCtrl, type TokenProvider } from './api.ts';
import {
  bodyOf,
  check,
  errorAnnouncement,
  type Field,
  fieldsOf,
  PREFILL,
  readFailure,
  sourceOf,
  type TodoType,
  typeRuleOf,
  type Value,
} from './fields.logic.ts';
import { type Words, wordsFor } from './i18n.ts';
import {
  adoptStyles,
  announce,
  collectValues,
  doneView,
  formView,
  h,
  headerView,
  noticeView,
  showBusy,
} from './view.ts';

export type { CreatedDetail, ErrorDetail } from './api.ts';

const SOURCE_ATTRIBUTES = ['endpoint', 'server', 'workspace', 'token-provider'];

export class BzCtrlTodoForm extends HTMLElement {
  static get observedAttributes() {
    return [
      ...SOURCE_ATTRIBUTES,
      'todo-type',
      'allow-type-change',
      'lang',
      ...Object.values(PREFILL),
    ];
  }

  #tokenProvider: TokenProvider | null = null;

  readonly #root: ShadowRoot;
  readonly #view: HTMLElement;
  readonly #polite: HTMLElement;
  readonly #alert: HTMLElement;
  #type: TodoType = 'INCIDENT';
  #typeChosen = false;
  #forms = new Map<string, Contract>();
  #form: Contract | null = null;
  #fields: Field[] = [];
  #values = new Map<string, Value>();
  #errors = new Map<string, string>();
  #state: 'loading' | 'ready' | 'failed' | 'done' = 'loading';
  /** A message over the whole form (not one field's), with unplaced server errors. */
  #failure: { message: string; list: string[] } | null = null;
  #created: CreatedDetail | null = null;
  /** The key of the last body sent: the same body again (a retry) reuses it. */
  #pending: { body: string; key: string } | null = null;
  #busy = false;
  #queued = false;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    adoptStyles(this.#root);
    this.#view = h('div', { class: 'card', part: 'card' });
    this.#polite = h('div', { class: 'sr', role: 'status', 'aria-live': 'polite' });
    this.#alert = h('div', { class: 'sr', role: 'alert', 'aria-live': 'assertive' });
    this.#root.append(this.#view, this.#polite, this.#alert);
  }

  /** Token mode: returns a Bearer token for the BzCtrl API (called before each call). */
  get tokenProvider(): TokenProvider | null {
    return this.#tokenProvider;
  }

  set tokenProvider(fn: TokenProvider | null) {
    this.#tokenProvider = fn;
    this.#forms.clear();
    if (this.isConnected) this.#schedule();
  }

  connectedCallback() {
    // Set on the element before this script defined it: an own property hides the setter.
    if (Object.hasOwn(this, 'tokenProvider')) {
      const fn = (this as unknown as Record<string, unknown>).tokenProvider;
      delete (this as unknown as Record<string, unknown>).tokenProvider;
      this.tokenProvider = typeof fn === 'function' ? (fn as () => string) : null;
    }
    this.#schedule();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null) {
    if (old === value) return;
    if (SOURCE_ATTRIBUTES.includes(name)) this.#forms.clear();
    if (name === 'todo-type' || name === 'allow-type-change') this.#typeChosen = false;
    const field = Object.keys(PREFILL).find((k) => PREFILL[k] === name);
    if (field) this.#values.delete(field);
    if (this.isConnected) this.#schedule();
  }

  /** Empties the form for a new todo (the prefill attributes apply again). */
  reset() {
    this.#values.clear();
    this.#errors.clear();
    this.#failure = null;
    this.#created = null;
    this.#pending = null;
    this.#state = this.#form ? 'ready' : 'loading';
    this.#render();
  }

  get #w(): Words {
    const lang = this.getAttribute('lang') || document.documentElement.lang || 'en';
    return wordsFor(lang);
  }

  /** The type the attributes ask for, and whether the user may switch it. */
  get #typeRule(): { type: TodoType; fixed: boolean } {
    return typeRuleOf(this.getAttribute('todo-type'), this.hasAttribute('allow-type-change'));
  }

  #provider(): TokenProvider | null {
    if (this.#tokenProvider) return this.#tokenProvider;
    const name = this.getAttribute('token-provider');
    const fn = name ? (window as unknown as Record<string, unknown>)[name] : undefined;
    return typeof fn === 'function' ? (fn as TokenProvider) : null;
  }

  #source() {
    const attrs = {
      endpoint: this.getAttribute('endpoint'),
      server: this.getAttribute('server'),
      workspace: this.getAttribute('workspace'),
    };
    return sourceOf(attrs, this.#provider() !== null, this.#type);
  }

  #schedule() {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      void this.#load();
    });
  }

  #call(method: string, url: string, body?: string, key?: string): Promise<Answer> {
    const provider = this.getAttribute('endpoint') ? null : this.#provider();
    return callBzCtrl(method, url, provider, body, key);
  }

  async #load() {
    if (!this.#typeChosen) this.#type = this.#typeRule.type;
    const source = this.#source();
    this.#collect();
    if (!source) {
      this.#fail({ status: 0, data: { code: 'not_configured' } }, this.#w.errConfig);
      return;
    }
    let form = this.#forms.get(this.#type);
    if (!form) {
      if (!this.#form) {
        this.#state = 'loading';
        this.#render();
      }
      const res = await this.#call('GET', source.form);
      if (res.status !== 200 || typeof res.data !== 'object') {
        this.#form = null;
        this.#fields = [];
        this.#fail(res);
        return;
      }
      form = readContract(res.data);
      this.#forms.set(this.#type, form);
    }
    this.#form = form;
    this.#fields = fieldsOf(form, this.#type, this.#w, (key) => {
      const name = PREFILL[key];
      return name ? (this.getAttribute(name) ?? undefined) : undefined;
    });
    if (this.#state !== 'done') this.#state = 'ready';
    this.#failure = null;
    this.#render();
    this.#emit('bzctrl:ready', { todoType: this.#type });
  }

  /** Reads what the user entered into #values (before a re-render, a check or a send). */
  #collect() {
    collectValues(this.#view, this.#fields, this.#values);
  }

  readonly #value = (f: Field): Value | undefined => {
    const v = this.#values.get(f.key) ?? f.initial;
    return typeof v === 'string' ? v.trim() : v;
  };

  async #submit(event: Event) {
    event.preventDefault();
    // A double click or a second Enter while one is on its way sends nothing more.
    if (this.#busy || this.#state !== 'ready' || !this.#form) return;
    this.#collect();
    this.#failure = null;
    this.#errors = check(this.#fields, this.#value, this.#w);
    if (this.#errors.size > 0) {
      this.#render();
      this.#announceErrors();
      this.#focusFirstError();
      return;
    }
    const source = this.#source();
    if (!source) return;
    const body = JSON.stringify(
      bodyOf(this.#form, this.#fields, this.#value, this.#type, source.workspace),
    );
    // One key per filled-in form: the same body again is a retry and reuses it; an edited
    // body is another request and gets a new one (the old key would be refused as reused).
    if (this.#pending?.body !== body) this.#pending = { body, key: newIdempotencyKey() };
    this.#setBusy(true);
    const res = await this.#call('POST', source.submit, body, this.#pending.key);
    this.#setBusy(false);
    if ((res.status === 200 || res.status === 201) && res.data?.key) {
      this.#pending = null;
      this.#created = { key: String(res.data.key), taskLink: String(res.data.taskLink) };
      this.#state = 'done';
      this.#errors.clear();
      this.#render();
      announce(this.#polite, `${this.#created.key} ${this.#w.created}`);
      this.#emit('bzctrl:created', { ...this.#created });
      if (this.hasAttribute('open-on-create')) window.open(this.#created.taskLink, '_blank');
      this.#view.querySelector<HTMLElement>('.done a')?.focus();
      return;
    }
    this.#fail(res);
  }

  /** Shows a failed call at its fields (or over the form) and tells the host page. */
  #fail(res: Answer, message?: string) {
    const loading = this.#state === 'loading';
    const read = readFailure(res, loading ? null : this.#fields, this.#w, message);
    this.#errors = read.errors;
    this.#failure = read.failure;
    if (loading || !this.#form) this.#state = 'failed';
    this.#render();
    announce(this.#alert, [read.failure.message, ...this.#errors.values()].join(' '));
    if (this.#state === 'ready') this.#focusFirstError();
    this.#emit('bzctrl:error', read.detail);
  }

  #emit(type: string, detail: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #announceErrors() {
    announce(this.#alert, errorAnnouncement(this.#fields, this.#errors, this.#w));
  }

  #focusFirstError() {
    const first = this.#fields.findIndex((f) => this.#errors.has(f.key));
    const target =
      first >= 0
        ? this.#view.querySelector<HTMLElement>(`[data-field="${first}"]`)
        : this.#view.querySelector<HTMLElement>('.notice');
    target?.focus();
  }

  #setBusy(busy: boolean) {
    this.#busy = busy;
    showBusy(this.#view, busy, this.#w, this.#type);
  }

  #switchType(type: TodoType) {
    if (type === this.#type) return;
    this.#collect();
    this.#type = type;
    this.#typeChosen = true;
    this.#errors.clear();
    this.#failure = null;
    void this.#load().then(() => {
      this.#view.querySelector<HTMLElement>(`input[name="todoType"][value="${type}"]`)?.focus();
    });
  }

  #render() {
    const w = this.#w;
    const view = this.#view;
    view.replaceChildren();
    view.lang = w === wordsFor('nl') ? 'nl' : 'en';
    view.append(...headerView(this.#type, this.#form?.workspace?.name, w));
    if (this.#state === 'loading') {
      view.append(h('p', { class: 'sub', role: 'status' }, w.loading));
      return;
    }
    if (this.#failure) view.append(noticeView(this.#failure));
    if (this.#state === 'failed') {
      view.append(
        h('button', { type: 'button', class: 'secondary', onclick: () => this.#load() }, w.retry),
      );
      return;
    }
    if (this.#state === 'done' && this.#created) {
      view.append(...doneView(this.#created, w, () => this.#again()));
      return;
    }

    view.append(
      formView({
        type: this.#type,
        fixed: this.#typeRule.fixed,
        fields: this.#fields,
        value: this.#value,
        errors: this.#errors,
        w,
        onSwitch: (t) => this.#switchType(t),
        onSubmit: (e) => this.#submit(e),
      }),
    );
    // Keeps a send in flight visible across a re-render.
    if (this.#busy) queueMicrotask(() => this.#setBusy(true));
  }

  #again() {
    this.reset();
    this.#view.querySelector<HTMLElement>('[data-field]')?.focus();
  }
}

if (!customElements.get('bzctrl-todo-form')) {
  customElements.define('bzctrl-todo-form', BzCtrlTodoForm);
}
