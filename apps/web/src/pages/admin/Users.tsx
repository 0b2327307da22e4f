import type { components } from '@bzctrl/sdk';
import { Fragment, useState } from 'react';
import { raw } from '../../api.ts';
import { useSession } from '../../session.tsx';
import { Badge, Empty, ErrorNote, Field, Loading } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import {
  ADMIN,
  ConfirmAction,
  FailureNote,
  useOutcome,
  useSubmit,
  WorkspacePicker,
} from './shared.tsx';

type User = components['schemas']['AdminUser'];
type Workspace = components['schemas']['AdminWorkspace'];
type Role = User['role'];

async function loadAll(): Promise<{ users: User[]; workspaces: Workspace[] }> {
  const [u, w] = await Promise.all([
    raw((r) => r.GET(`${ADMIN}/users`)),
    raw((r) => r.GET(`${ADMIN}/workspaces`)),
  ]);
  return { users: u.items, workspaces: w.items };
}

/** Users: create, change, disable (never removed: they are reporters), memberships. */
export function Users() {
  const state = useAsync(loadAll, []);
  const outcome = useOutcome();
  const { session } = useSession();
  const [editing, setEditing] = useState<string | undefined>();

  if (state.status === 'loading' && !state.data) return <Loading />;
  if (state.status === 'error' && !state.data) {
    return <ErrorNote error={state.error} onRetry={state.reload} />;
  }
  const { users, workspaces } = state.data ?? { users: [], workspaces: [] };

  return (
    <>
      {outcome.note}
      <section className="card" aria-labelledby="admin-users">
        <h2 id="admin-users">Users</h2>
        <p className="admin-intro">
          Members see and work on the todos of their workspaces; administrators manage BzCtrl. Users
          own todos, so they are disabled rather than removed.
        </p>
        {users.length === 0 ? (
          <Empty title="No users yet" />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Workspaces</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <Fragment key={u.email}>
                    <tr className={u.disabled ? 'admin-row--disabled' : undefined}>
                      <td>{u.name}</td>
                      <td>{u.email}</td>
                      <td>
                        <Badge tone={u.role === 'admin' ? 'todo' : 'plain'}>
                          {u.role === 'admin' ? 'Administrator' : 'Member'}
                        </Badge>
                      </td>
                      <td className="admin-keys">
                        {u.workspaces.length === 0 ? '—' : u.workspaces.join(', ')}
                      </td>
                      <td>
                        {u.disabled ? (
                          <Badge tone="expired">Disabled</Badge>
                        ) : (
                          <Badge tone="done">Active</Badge>
                        )}
                        {!u.hasPassword && <span className="admin-muted"> · no password</span>}
                      </td>
                      <td className="admin-row-actions">
                        <div className="admin-row-actions__inner">
                          <button
                            type="button"
                            className="button button--secondary admin-small"
                            aria-expanded={editing === u.email}
                            aria-label={`Edit ${u.email}`}
                            onClick={() => setEditing(editing === u.email ? undefined : u.email)}
                          >
                            Edit
                          </button>
                          {u.disabled ? (
                            <button
                              type="button"
                              className="button button--secondary admin-small"
                              onClick={() =>
                                outcome.run(async () => {
                                  await raw((r) =>
                                    r.PATCH(`${ADMIN}/users/{email}`, {
                                      params: { path: { email: u.email } },
                                      body: { disabled: false },
                                    }),
                                  );
                                  state.reload();
                                }, `${u.email} can sign in again.`)
                              }
                            >
                              Enable
                            </button>
                          ) : (
                            u.email !== session.user.email && (
                              <ConfirmAction
                                label="Disable"
                                question={`Disable ${u.email}? Their sessions and tokens end now.`}
                                confirmLabel="Disable user"
                                danger
                                onConfirm={() =>
                                  outcome.run(async () => {
                                    await raw((r) =>
                                      r.DELETE(`${ADMIN}/users/{email}`, {
                                        params: { path: { email: u.email } },
                                      }),
                                    );
                                    state.reload();
                                  }, `${u.email} is disabled.`)
                                }
                              />
                            )
                          )}
                        </div>
                      </td>
                    </tr>
                    {editing === u.email && (
                      <tr className="admin-edit-row">
                        <td colSpan={6}>
                          <EditUser
                            user={u}
                            workspaces={workspaces}
                            onClose={() => setEditing(undefined)}
                            onChanged={(message) => {
                              outcome.done(message);
                              state.reload();
                            }}
                            onFailed={outcome.failed}
                          />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <NewUser
        workspaces={workspaces}
        onCreated={(u) => {
          outcome.done(`User ${u.email} created.`);
          state.reload();
        }}
      />
    </>
  );
}

function EditUser({
  user,
  workspaces,
  onClose,
  onChanged,
  onFailed,
}: {
  user: User;
  workspaces: Workspace[];
  onClose: () => void;
  onChanged: (message: string) => void;
  onFailed: (err: unknown) => void;
}) {
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<Role>(user.role);
  const [password, setPassword] = useState('');
  const [adding, setAdding] = useState('');
  const { failure, busy, submit, fields } = useSubmit(['name', 'role', 'password']);
  const others = workspaces.filter((w) => !user.workspaces.includes(w.key));

  const membership = async (key: string, member: boolean) => {
    try {
      const path = { email: user.email, key };
      await raw((r) =>
        member
          ? r.PUT(`${ADMIN}/users/{email}/workspaces/{key}`, { params: { path } })
          : r.DELETE(`${ADMIN}/users/{email}/workspaces/{key}`, { params: { path } }),
      );
      setAdding('');
      onChanged(member ? `${user.email} is now a member of ${key}.` : `${user.email} left ${key}.`);
    } catch (err) {
      onFailed(err);
    }
  };

  return (
    <div className="admin-edit">
      <form
        aria-label={`Change ${user.email}`}
        onSubmit={(e) => {
          e.preventDefault();
          void submit(async () => {
            await raw((r) =>
              r.PATCH(`${ADMIN}/users/{email}`, {
                params: { path: { email: user.email } },
                body: { name, role, ...(password ? { password } : {}) },
              }),
            );
            onChanged(
              password
                ? `${user.email} saved; the new password ends their sessions.`
                : `${user.email} saved.`,
            );
            onClose();
          });
        }}
      >
        <h3>Change {user.email}</h3>
        <FailureNote failure={failure} />
        <div className="admin-form__row">
          <Field label="Name" required error={fields.name}>
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Role" required error={fields.role}>
            {(p) => (
              <select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)}>
                <option value="member">Member</option>
                <option value="admin">Administrator</option>
              </select>
            )}
          </Field>
          <Field
            label="New password"
            error={fields.password}
            hint="Leave empty to keep it. At least 8 characters."
          >
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="admin-actions">
          <button type="submit" className="button" disabled={busy}>
            Save changes
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </form>

      <div className="admin-memberships">
        <h3>Workspaces of {user.name}</h3>
        {user.workspaces.length === 0 ? (
          <p className="admin-muted">Not a member of any workspace.</p>
        ) : (
          <ul className="admin-chips">
            {user.workspaces.map((key) => (
              <li key={key}>
                <span className="admin-key">{key}</span>
                <button
                  type="button"
                  className="button button--link"
                  aria-label={`Remove ${user.email} from ${key}`}
                  onClick={() => membership(key, false)}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        {others.length > 0 && (
          <div className="admin-inline">
            <Field label="Add to workspace">
              {(p) => (
                <select {...p} value={adding} onChange={(e) => setAdding(e.target.value)}>
                  <option value="">Choose a workspace…</option>
                  {others.map((w) => (
                    <option key={w.key} value={w.key}>
                      {w.key} · {w.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <button
              type="button"
              className="button button--secondary"
              disabled={!adding}
              onClick={() => membership(adding, true)}
            >
              Add membership
            </button>
          </div>
        )}
      </div>
    </div>
  );
}

function NewUser({
  workspaces,
  onCreated,
}: {
  workspaces: Workspace[];
  onCreated: (u: User) => void;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [password, setPassword] = useState('');
  const [keys, setKeys] = useState<string[]>([]);
  const { failure, busy, submit, fields } = useSubmit([
    'name',
    'email',
    'role',
    'password',
    'workspaces',
  ]);
  return (
    <form
      className="card admin-form"
      aria-label="New user"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          const u = await raw((r) =>
            r.POST(`${ADMIN}/users`, {
              body: {
                name,
                email,
                role,
                workspaces: keys,
                ...(password ? { password } : {}),
              },
            }),
          );
          setName('');
          setEmail('');
          setPassword('');
          setKeys([]);
          onCreated(u);
        });
      }}
    >
      <h2>New user</h2>
      <FailureNote failure={failure} />
      <div className="admin-form__row">
        <Field label="Name" required error={fields.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="E-mail" required error={fields.email}>
          {(p) => (
            <input
              {...p}
              type="email"
              autoComplete="off"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Role" required error={fields.role}>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option value="member">Member</option>
              <option value="admin">Administrator</option>
            </select>
          )}
        </Field>
        <Field
          label="Password"
          error={fields.password}
          hint="At least 8 characters. Without one the user cannot sign in yet."
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
      </div>
      <WorkspacePicker
        legend="Workspaces"
        options={workspaces}
        value={keys}
        onChange={setKeys}
        error={fields.workspaces}
      />
      <button type="submit" className="button" disabled={busy}>
        Create user
      </button>
    </form>
  );
}
