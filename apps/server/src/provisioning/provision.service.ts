import { readFile } from 'node:fs/promises';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import {
  findClientByClientId,
  insertClient,
  listClientWorkspaceIds,
  replaceClientWorkspaces,
  updateClient,
} from '../clients/clients.repository.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Executor } from '../db/executor.ts';
import { revokeClientTokens, revokeUserTokens } from '../oauth/tokens.repository.ts';
import { hashSecret, verifySecret } from '../shared/secrets.ts';
import { isEmail } from '../todos/todo-fields.ts';
import {
  findUserByEmail,
  insertUser,
  listMemberWorkspaceIds,
  replaceMemberships,
  updateUser,
} from '../users/users.repository.ts';
import {
  findDomainByCode,
  insertDomain,
  insertWorkspace,
  listWorkspaces,
  updateDomainName,
  updateWorkspaceName,
} from '../workspaces/workspaces.repository.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });

export const ProvisionFile = Type.Object(
  {
    domains: Type.Optional(
      Type.Array(
        Type.Object(
          {
            code: Type.String({ pattern: '^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$', maxLength: 50 }),
            name: Name,
            workspaces: Type.Optional(
              Type.Array(
                Type.Object(
                  { code: Type.String({ pattern: '^[A-Za-z0-9_]+$', maxLength: 20 }), name: Name },
                  { additionalProperties: false },
                ),
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
            email: Type.String({ maxLength: 254 }),
            name: Name,
            password: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
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
            clientId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$' }),
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
            type: Type.Enum([1, 2, 3, 4, 5, 7, 8, 10]),
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

export class ProvisionError extends Error {
  constructor(readonly problems: string[]) {
    super(`The provisioning file is invalid:\n  - ${problems.join('\n  - ')}`);
  }
}

type Counts = { created: number; updated: number; unchanged: number };
export type ProvisionSummary = Record<
  'domains' | 'workspaces' | 'users' | 'clients' | 'locations' | 'customFields',
  Counts
>;

/** `/users/0/email` → `users[0].email` */
function pathOf(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

/** Checks a parsed document's shape and cross-references; every problem is reported. */
export function validateProvisionDoc(doc: unknown): ProvisionDoc {
  const shapeErrors = [...Value.Errors(ProvisionFile, doc)]
    .filter((e) => e.keyword !== 'boolean')
    .map((e) => {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties;
      return `${pathOf(e.instancePath) || '(root)'}: ${e.message}${extra ? ` (${extra.join(', ')})` : ''}`;
    });
  if (shapeErrors.length > 0) throw new ProvisionError([...new Set(shapeErrors)]);
  const d = doc as ProvisionDoc;
  const problems: string[] = [];
  const seen = (list: string[], what: string, path: string) => {
    const dup = list.find((v, i) => list.indexOf(v) !== i);
    if (dup !== undefined) problems.push(`${path}: ${what} "${dup}" is listed twice`);
  };
  seen(
    (d.domains ?? []).map((x) => x.code.toUpperCase()),
    'domain',
    'domains',
  );
  for (const [i, dom] of (d.domains ?? []).entries()) {
    seen(
      (dom.workspaces ?? []).map((w) => w.code.toUpperCase()),
      'workspace',
      `domains[${i}].workspaces`,
    );
  }
  seen(
    (d.users ?? []).map((u) => u.email.toLowerCase()),
    'user',
    'users',
  );
  seen(
    (d.clients ?? []).map((c) => c.clientId),
    'client',
    'clients',
  );
  seen(
    (d.locations ?? []).map((l) => l.name),
    'location',
    'locations',
  );
  seen(
    (d.customFields ?? []).map((f) => `${f.module}/${f.name}`),
    'custom field',
    'customFields',
  );
  for (const [i, u] of (d.users ?? []).entries()) {
    if (!isEmail(u.email))
      problems.push(`users[${i}].email: "${u.email}" is not a valid e-mail address`);
  }
  for (const [i, c] of (d.clients ?? []).entries()) {
    if (
      c.defaultWorkspace &&
      c.workspaces &&
      !c.workspaces.map(up).includes(up(c.defaultWorkspace))
    ) {
      problems.push(
        `clients[${i}].defaultWorkspace: ${c.defaultWorkspace} is not among its workspaces`,
      );
    }
  }
  for (const [i, f] of (d.customFields ?? []).entries()) {
    if (f.options && ![7, 8].includes(f.type) && f.type !== 1) {
      problems.push(
        `customFields[${i}].options: only STRING (1) and list types (7, 8) take options`,
      );
    }
  }
  if (problems.length > 0) throw new ProvisionError(problems);
  return d;
}

const up = (s: string) => s.trim().toUpperCase();

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
  await db.kysely.transaction().execute(async (trx) => {
    for (const dom of doc.domains ?? []) {
      const code = up(dom.code);
      let existing = await findDomainByCode(trx, code);
      if (!existing) {
        await insertDomain(trx, code, dom.name, ts);
        existing = await findDomainByCode(trx, code);
        sum.domains.created++;
      } else if (existing.name !== dom.name) {
        await updateDomainName(trx, Number(existing.id), dom.name, ts);
        sum.domains.updated++;
      } else sum.domains.unchanged++;
      const domainId = Number(existing?.id);
      const known = await listWorkspaces(trx);
      for (const w of dom.workspaces ?? []) {
        const key = `${code}-${up(w.code)}`;
        const ws = known.find((k) => k.key === key);
        if (!ws) {
          await insertWorkspace(trx, { domainId, code: up(w.code), name: w.name, key }, ts);
          sum.workspaces.created++;
        } else if (ws.name !== w.name) {
          await updateWorkspaceName(trx, ws.id, w.name, ts);
          sum.workspaces.updated++;
        } else sum.workspaces.unchanged++;
      }
    }

    const workspaces = await listWorkspaces(trx);
    const workspaceIds = (keys: string[] | undefined, path: string): number[] =>
      (keys ?? []).map((k) => {
        const ws = workspaces.find((w) => w.key === up(k));
        if (!ws) throw new ProvisionError([`${path}: unknown workspace "${k}"`]);
        return Number(ws.id);
      });

    for (const [i, u] of (doc.users ?? []).entries()) {
      const wanted = workspaceIds(u.workspaces, `users[${i}].workspaces`);
      const changed = await upsertUser(trx, u, wanted, config.scryptLogN, ts);
      sum.users[changed]++;
    }
    for (const [i, c] of (doc.clients ?? []).entries()) {
      const wanted = workspaceIds(c.workspaces, `clients[${i}].workspaces`);
      const [defaultWs] = c.defaultWorkspace
        ? workspaceIds([c.defaultWorkspace], `clients[${i}].defaultWorkspace`)
        : [wanted[0] ?? null];
      if (defaultWs !== null && defaultWs !== undefined && !wanted.includes(defaultWs))
        wanted.push(defaultWs);
      const changed = await upsertClient(trx, c, wanted, defaultWs ?? null, config.scryptLogN, ts);
      sum.clients[changed]++;
    }
    for (const l of doc.locations ?? []) {
      const found = await trx
        .selectFrom('locations')
        .select('id')
        .where('name', '=', l.name)
        .executeTakeFirst();
      if (found) sum.locations.unchanged++;
      else {
        await trx.insertInto('locations').values({ name: l.name, createdAt: ts }).execute();
        sum.locations.created++;
      }
    }
    for (const f of doc.customFields ?? []) {
      const found = await trx
        .selectFrom('customFields')
        .selectAll()
        .where('module', '=', f.module)
        .where('name', '=', f.name)
        .executeTakeFirst();
      const values = {
        type: f.type,
        required: f.required ? 1 : 0,
        options: f.options ? JSON.stringify(f.options) : null,
      };
      if (!found) {
        await trx
          .insertInto('customFields')
          .values({ module: f.module, name: f.name, ...values, createdAt: ts, updatedAt: ts })
          .execute();
        sum.customFields.created++;
      } else if (
        found.type !== values.type ||
        found.required !== values.required ||
        found.options !== values.options
      ) {
        await trx
          .updateTable('customFields')
          .set({ ...values, updatedAt: ts })
          .where('id', '=', found.id)
          .execute();
        sum.customFields.updated++;
      } else sum.customFields.unchanged++;
    }
  });
  return sum;
}

type Outcome = 'created' | 'updated' | 'unchanged';

const sameSet = (a: number[], b: number[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

async function upsertUser(
  trx: Executor,
  u: NonNullable<ProvisionDoc['users']>[number],
  wanted: number[],
  logN: number,
  ts: string,
): Promise<Outcome> {
  const role = u.role ?? 'member';
  const disabled = u.disabled ? 1 : 0;
  const existing = await findUserByEmail(trx, u.email);
  if (!existing) {
    const passwordHash = u.password ? await hashSecret(u.password, logN) : null;
    const id = await insertUser(trx, { email: u.email, name: u.name, role, passwordHash }, ts);
    if (disabled) await updateUser(trx, id, { disabled }, ts);
    await replaceMemberships(trx, id, wanted);
    return 'created';
  }
  const id = Number(existing.id);
  const patch: Parameters<typeof updateUser>[2] = {};
  if (existing.name !== u.name) patch.name = u.name;
  if (existing.role !== role) patch.role = role;
  if (existing.disabled !== disabled) patch.disabled = disabled;
  const passwordChanged =
    u.password !== undefined &&
    (!existing.passwordHash || !(await verifySecret(u.password, existing.passwordHash)));
  if (passwordChanged && u.password) patch.passwordHash = await hashSecret(u.password, logN);
  const membersChanged = !sameSet(await listMemberWorkspaceIds(trx, id), wanted);
  if (Object.keys(patch).length === 0 && !membersChanged) return 'unchanged';
  if (Object.keys(patch).length > 0) await updateUser(trx, id, patch, ts);
  if (membersChanged) await replaceMemberships(trx, id, wanted);
  // A new password or a disabled account ends every session of that user.
  if (passwordChanged || patch.disabled === 1) await revokeUserTokens(trx, id, ts);
  return 'updated';
}

async function upsertClient(
  trx: Executor,
  c: NonNullable<ProvisionDoc['clients']>[number],
  wanted: number[],
  defaultWorkspaceId: number | null,
  logN: number,
  ts: string,
): Promise<Outcome> {
  const disabled = c.disabled ? 1 : 0;
  const existing = await findClientByClientId(trx, c.clientId);
  if (!existing) {
    const secretHash = await hashSecret(c.clientSecret, logN);
    const id = await insertClient(
      trx,
      { clientId: c.clientId, name: c.name, secretHash, defaultWorkspaceId },
      ts,
    );
    if (disabled) await updateClient(trx, id, { disabled }, ts);
    await replaceClientWorkspaces(trx, id, wanted);
    return 'created';
  }
  const id = Number(existing.id);
  const patch: Parameters<typeof updateClient>[2] = {};
  if (existing.name !== c.name) patch.name = c.name;
  if (existing.disabled !== disabled) patch.disabled = disabled;
  const currentDefault =
    existing.defaultWorkspaceId === null ? null : Number(existing.defaultWorkspaceId);
  if (currentDefault !== defaultWorkspaceId) patch.defaultWorkspaceId = defaultWorkspaceId;
  const secretChanged = !(await verifySecret(c.clientSecret, existing.secretHash));
  if (secretChanged) patch.secretHash = await hashSecret(c.clientSecret, logN);
  const scopeChanged = !sameSet(await listClientWorkspaceIds(trx, id), wanted);
  if (Object.keys(patch).length === 0 && !scopeChanged) return 'unchanged';
  if (Object.keys(patch).length > 0) await updateClient(trx, id, patch, ts);
  if (scopeChanged) await replaceClientWorkspaces(trx, id, wanted);
  if (secretChanged || patch.disabled === 1) await revokeClientTokens(trx, id, ts);
  return 'updated';
}

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
