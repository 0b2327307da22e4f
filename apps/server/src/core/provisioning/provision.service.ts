import { readFile } from 'node:fs/promises';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import type { Config } from '../../platform/config.ts';
import { type Db, serializedTransaction } from '../../platform/db/database.ts';
import { fieldPath } from '../../platform/values/field-path.ts';
import { EMAIL_MAX_LENGTH, isEmail, normalizeKey } from '../../platform/values/rules.ts';
import { type AuthChange, bumpAuthGeneration, dropAuthChange } from '../access/actor-cache.ts';
import { findClientByClientId } from '../access/clients.repository.ts';
import { findUserByEmail } from '../access/users.repository.ts';
import { findCustomField, findLocationByName } from '../catalog/catalog.repository.ts';
import { findDomainByCode, listWorkspaces } from '../tenancy/workspaces.repository.ts';
import {
  addClient,
  addCustomField,
  addDomain,
  addLocation,
  addUser,
  addWorkspace,
  changeClient,
  changeCustomField,
  changeDomain,
  changeUser,
  changeWorkspace,
  type Saved,
  TYPES_WITH_OPTIONS,
} from './entities.ts';
import { ProvisionError } from './provision.errors.ts';

export { ProvisionError };

/**
 * Writers of domains, workspaces, users and clients take this lock (provisioning at
 * start, the admin API), so one never interleaves its checks with another's writes.
 */
export const PROVISIONING_LOCK = 'bzctrl:provisioning';

/** The shapes the provisioning file and the admin API share. */
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const DomainCode = Type.String({ pattern: '^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$', maxLength: 50 });
export const WorkspaceCode = Type.String({ pattern: '^[A-Za-z0-9_]+$', maxLength: 20 });
export const ClientId = Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$' });
export const Password = Type.String({ minLength: 8, maxLength: 200 });
export const CustomFieldType = Type.Enum([1, 2, 3, 4, 5, 7, 8, 10]);

/** Domain and workspace codes and keys compare case-insensitively, stored upper-case. */

export const ProvisionFile = Type.Object(
  {
    domains: Type.Optional(
      Type.Array(
        Type.Object(
          {
            code: DomainCode,
            name: Name,
            workspaces: Type.Optional(
              Type.Array(
                Type.Object({ code: WorkspaceCode, name: Name }, { additionalProperties: false }),
              ),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    users: Type.Optional(
      Type.Array(
        Type.Object(
          {
            email: Type.String({ maxLength: EMAIL_MAX_LENGTH }),
            name: Name,
            password: Type.Optional(Password),
            role: Type.Optional(Type.Enum(['admin', 'member'])),
            workspaces: Type.Optional(Type.Array(Type.String())),
            disabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    clients: Type.Optional(
      Type.Array(
        Type.Object(
          {
            clientId: ClientId,
            clientSecret: Type.String({ minLength: 16, maxLength: 200 }),
            name: Name,
            workspaces: Type.Optional(Type.Array(Type.String())),
            defaultWorkspace: Type.Optional(Type.String()),
            disabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    locations: Type.Optional(
      Type.Array(Type.Object({ name: Name }, { additionalProperties: false })),
    ),
    customFields: Type.Optional(
      Type.Array(
        Type.Object(
          {
            module: Type.Enum(['incident', 'task']),
            name: Name,
            type: CustomFieldType,
            required: Type.Optional(Type.Boolean()),
            options: Type.Optional(Type.Array(Type.String())),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export type ProvisionDoc = Static<typeof ProvisionFile>;

type Counts = { created: number; updated: number; unchanged: number };
export type ProvisionSummary = Record<
  'domains' | 'workspaces' | 'users' | 'clients' | 'locations' | 'customFields',
  Counts
>;

type Loose = Record<string, unknown>;
/** The entries of a list as loose objects, whatever the document holds there. */
const entries = (v: unknown): Loose[] =>
  Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? (x as Loose) : {})) : [];
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const codeOf = (v: unknown): string | undefined =>
  typeof v === 'string' ? normalizeKey(v) : undefined;

/**
 * Checks a parsed document's shape and cross-references; every problem is reported at
 * once, each named by its path (`users[1].email: …`). References to workspaces are
 * resolved when the document is applied, as they may name workspaces already stored.
 */
export function validateProvisionDoc(doc: unknown): ProvisionDoc {
  const shape = [...Value.Errors(ProvisionFile, doc)]
    .filter((e) => e.keyword !== 'boolean')
    .flatMap((e) => {
      const at = fieldPath(e.instancePath);
      // Name each unknown key as an entry of its own: `users[0].colour: unknown property`.
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties;
      if (extra?.length) return extra.map((k) => `${at ? `${at}.` : ''}${k}: unknown property`);
      return [`${at || '(root)'}: ${e.message}`];
    });
  const problems = [...new Set(shape)];
  // The checks below read the document loosely, so they run even when its shape is wrong;
  // a path that already has a shape problem gets no second one.
  const reported = new Set(problems.map((p) => p.slice(0, p.indexOf(':'))));
  const add = (path: string, message: string) => {
    if (!reported.has(path)) problems.push(`${path}: ${message}`);
    reported.add(path);
  };
  const root: Loose = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Loose) : {};
  /** Names every later entry whose `field` repeats an earlier one, with both indexes. */
  const seen = (values: (string | undefined)[], what: string, path: string, field: string) => {
    for (const [i, v] of values.entries()) {
      const first = values.indexOf(v);
      if (v !== undefined && first !== i) {
        add(`${path}[${i}].${field}`, `${what} "${v}" is already listed at ${path}[${first}]`);
      }
    }
  };
  const domains = entries(root.domains);
  seen(
    domains.map((x) => codeOf(x.code)),
    'domain',
    'domains',
    'code',
  );
  for (const [i, dom] of domains.entries()) {
    seen(
      entries(dom.workspaces).map((w) => codeOf(w.code)),
      'workspace',
      `domains[${i}].workspaces`,
      'code',
    );
  }
  const users = entries(root.users);
  seen(
    users.map((u) => text(u.email)?.toLowerCase()),
    'user',
    'users',
    'email',
  );
  for (const [i, u] of users.entries()) {
    const email = text(u.email);
    if (email !== undefined && !isEmail(email)) {
      add(`users[${i}].email`, `"${email}" is not a valid e-mail address`);
    }
  }
  const clients = entries(root.clients);
  seen(
    clients.map((c) => text(c.clientId)),
    'client',
    'clients',
    'clientId',
  );
  for (const [i, c] of clients.entries()) {
    const def = text(c.defaultWorkspace);
    const listed = Array.isArray(c.workspaces)
      ? c.workspaces.map((w) => normalizeKey(String(w)))
      : null;
    if (def && listed && !listed.includes(normalizeKey(def))) {
      add(`clients[${i}].defaultWorkspace`, `${def} is not among its workspaces`);
    }
  }
  seen(
    entries(root.locations).map((l) => text(l.name)),
    'location',
    'locations',
    'name',
  );
  const fields = entries(root.customFields);
  seen(
    fields.map((f) => (text(f.name) ? `${f.module}/${f.name}` : undefined)),
    'custom field',
    'customFields',
    'name',
  );
  for (const [i, f] of fields.entries()) {
    if (
      f.options !== undefined &&
      typeof f.type === 'number' &&
      !TYPES_WITH_OPTIONS.includes(f.type)
    ) {
      add(`customFields[${i}].options`, 'only STRING (1) and list types (7, 8) take options');
    }
  }
  if (problems.length > 0) throw new ProvisionError(problems);
  return doc as ProvisionDoc;
}

export async function readProvisionFile(path: string): Promise<ProvisionDoc> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ProvisionError([`cannot read ${path}: ${(err as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ProvisionError([`${path} is not valid JSON: ${(err as Error).message}`]);
  }
  return validateProvisionDoc(doc);
}

/**
 * Makes the database match the document: creates what is missing and updates what
 * differs, in one transaction (all or nothing). Applying the same document twice
 * changes nothing — a listed password is only re-set when it no longer matches, so
 * re-applying never signs anybody out.
 */
export async function applyProvisioning(
  db: Db,
  config: Pick<Config, 'scryptLogN'>,
  doc: ProvisionDoc,
  now = new Date(),
): Promise<ProvisionSummary> {
  const ts = now.toISOString();
  const zero = (): Counts => ({ created: 0, updated: 0, unchanged: 0 });
  const sum: ProvisionSummary = {
    domains: zero(),
    workspaces: zero(),
    users: zero(),
    clients: zero(),
    locations: zero(),
    customFields: zero(),
  };
  let change: AuthChange | undefined;
  await serializedTransaction(db, PROVISIONING_LOCK, async (trx) => {
    for (const dom of doc.domains ?? []) {
      const code = normalizeKey(dom.code);
      let domain = await findDomainByCode(trx, code);
      if (!domain) {
        const { id } = await addDomain(trx, { code, name: dom.name }, ts);
        domain = { id, code, name: dom.name, createdAt: ts, updatedAt: ts };
        sum.domains.created++;
      } else sum.domains[outcome(await changeDomain(trx, domain, { name: dom.name }, ts))]++;
      const known = await listWorkspaces(trx);
      for (const w of dom.workspaces ?? []) {
        const key = `${code}-${normalizeKey(w.code)}`;
        const ws = known.find((k) => k.key === key);
        if (!ws) {
          await addWorkspace(trx, domain, { code: normalizeKey(w.code), name: w.name }, ts);
          sum.workspaces.created++;
        } else sum.workspaces[outcome(await changeWorkspace(trx, ws, { name: w.name }, ts))]++;
      }
    }

    // Every reference is resolved before anything else is written, so a document with
    // unknown workspaces is reported in full; the transaction undoes the domains above.
    const workspaces = await listWorkspaces(trx);
    const unknown: string[] = [];
    /** The ids of the named workspaces, each once (a list may name one twice). */
    const workspaceIds = (keys: string[] | undefined, path: string): number[] => [
      ...new Set(
        (keys ?? []).flatMap((k) => {
          const ws = workspaces.find((w) => w.key === normalizeKey(k));
          if (!ws) unknown.push(`${path}: unknown workspace "${k}"`);
          return ws ? [Number(ws.id)] : [];
        }),
      ),
    ];
    const users = (doc.users ?? []).map((u, i) => ({
      u,
      wanted: workspaceIds(u.workspaces, `users[${i}].workspaces`),
    }));
    const clients = (doc.clients ?? []).map((c, i) => {
      const wanted = workspaceIds(c.workspaces, `clients[${i}].workspaces`);
      const [defaultWs = null] = c.defaultWorkspace
        ? workspaceIds([c.defaultWorkspace], `clients[${i}].defaultWorkspace`)
        : [wanted[0] ?? null];
      // A default workspace is always one the client may use.
      if (defaultWs !== null && !wanted.includes(defaultWs)) wanted.push(defaultWs);
      return { c, wanted, defaultWs };
    });
    if (unknown.length > 0) throw new ProvisionError(unknown);

    // The file states the whole object: what it leaves out takes its default.
    for (const { u, wanted } of users) {
      const want = {
        name: u.name,
        role: u.role ?? 'member',
        password: u.password,
        disabled: u.disabled ?? false,
        workspaceIds: wanted,
      };
      const existing = await findUserByEmail(trx, u.email);
      if (!existing) {
        await addUser(trx, { ...want, email: u.email }, config.scryptLogN, ts);
        sum.users.created++;
      } else sum.users[outcome(await changeUser(trx, existing, want, config.scryptLogN, ts))]++;
    }
    for (const { c, wanted, defaultWs } of clients) {
      const want = {
        name: c.name,
        secret: c.clientSecret,
        workspaceIds: wanted,
        defaultWorkspaceId: defaultWs,
        disabled: c.disabled ?? false,
      };
      const existing = await findClientByClientId(trx, c.clientId);
      if (!existing) {
        await addClient(trx, { ...want, clientId: c.clientId }, config.scryptLogN, ts);
        sum.clients.created++;
      } else sum.clients[outcome(await changeClient(trx, existing, want, config.scryptLogN, ts))]++;
    }
    for (const l of doc.locations ?? []) {
      if (await findLocationByName(trx, l.name)) sum.locations.unchanged++;
      else {
        await addLocation(trx, l.name, ts);
        sum.locations.created++;
      }
    }
    for (const f of doc.customFields ?? []) {
      const want = { type: f.type, required: f.required ?? false, options: f.options ?? null };
      const existing = await findCustomField(trx, f.module, f.name);
      if (!existing) {
        await addCustomField(trx, { ...want, module: f.module, name: f.name }, ts);
        sum.customFields.created++;
      } else sum.customFields[outcome(await changeCustomField(trx, existing, want, ts))]++;
    }
    // Users, clients and memberships may have changed: every credential cache lets go.
    change = await bumpAuthGeneration(trx);
  }).catch((err) => {
    if (change) dropAuthChange(change);
    throw err;
  });
  return sum;
}

const outcome = (saved: Saved): 'updated' | 'unchanged' =>
  Object.keys(saved.changes).length > 0 ? 'updated' : 'unchanged';

/** Creates the first administrator from BZCTRL_ADMIN_* when the database has no user. */
export async function ensureFirstAdmin(
  db: Db,
  config: Pick<Config, 'adminEmail' | 'adminPassword' | 'scryptLogN'>,
  now = new Date(),
): Promise<'created' | 'exists' | 'missing'> {
  const any = await db.kysely.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return 'exists';
  if (!config.adminEmail || !config.adminPassword) return 'missing';
  await applyProvisioning(
    db,
    config,
    validateProvisionDoc({
      users: [
        {
          email: config.adminEmail,
          name: 'Administrator',
          password: config.adminPassword,
          role: 'admin',
        },
      ],
    }),
    now,
  );
  return 'created';
}
