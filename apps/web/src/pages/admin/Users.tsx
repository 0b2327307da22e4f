import type { components } from '@bzctrl/sdk';
import { useState } from 'react';
import { raw } from '../../api.ts';
import { useSession } from '../../session.tsx';
import { Badge, Empty } from '../../ui/components.tsx';
import { ConfirmAction, SmallButton, StatusBadge } from './actions.tsx';
import { keyOptions, type Option, withNone } from './admin.logic.ts';
import { AdminForm, SelectField, TextField, useAdminForm, WorkspacePicker } from './forms.tsx';
import {
  ADMIN,
  AdminCard,
  AdminSection,
  AdminTable,
  type AdminWorkspace,
  useAdminSection,
  withWorkspaces,
} from './shared.tsx';

type User = components['schemas']['AdminUser'];
type Role = User['role'];

const loadAll = () => withWorkspaces(raw((r) => r.GET(`${ADMIN}/users`)));

/** Users: create, change, disable (never removed: they are reporters), memberships. */
export function Users() {
  const section = useAdminSection(loadAll);
  const { changed, act, outcome } = section;
  const { session } = useSession();

  return (
    <AdminSection section={section}>
      {({ list: { items: users }, workspaces }) => (
        <>
          <AdminCard
            title="Users"
            intro="Members see and work on the todos of their workspaces; administrators manage BzCtrl. Users own todos, so they are disabled rather than removed."
          >
            <AdminTable
              rows={users}
              rowKey={(u) => u.email}
              empty={<Empty title="No users yet" />}
              disabled={(u) => u.disabled}
              columns={[
                { header: 'Name', cell: (u) => u.name },
                { header: 'E-mail', cell: (u) => u.email },
                {
                  header: 'Role',
                  cell: (u) => (
                    <Badge tone={u.role === 'admin' ? 'todo' : 'plain'}>
                      {u.role === 'admin' ? 'Administrator' : 'Member'}
                    </Badge>
                  ),
                },
                {
                  header: 'Workspaces',
                  className: 'admin-keys',
                  cell: (u) => (u.workspaces.length === 0 ? '—' : u.workspaces.join(', ')),
                },
                {
                  header: 'Status',
                  cell: (u) => (
                    <>
                      <StatusBadge disabled={u.disabled} />
                      {!u.hasPassword && <span className="admin-muted"> · no password</span>}
                    </>
                  ),
                },
              ]}
              edit={{
                onSaved: changed,
                name: (u) => u.email,
                render: (u, { close, saved }) => (
                  <EditUser
                    user={u}
                    workspaces={workspaces}
                    onClose={close}
                    onSaved={saved}
                    onChanged={changed}
                    onFailed={outcome.failed}
                  />
                ),
              }}
              actions={(u) => {
                const path = { email: u.email };
                if (u.disabled) {
                  return (
                    <SmallButton
                      onClick={() =>
                        act(
                          () =>
                            raw((r) =>
                              r.PATCH(`${ADMIN}/users/{email}`, {
                                params: { path },
                                body: { disabled: false },
                              }),
                            ),
                          `${u.email} can sign in again.`,
                        )
                      }
                    >
                      Enable
                    </SmallButton>
                  );
                }
                // Administrators cannot lock themselves out.
                return (
                  u.email !== session.user.email && (
                    <ConfirmAction
                      label="Disable"
                      question={`Disable ${u.email}? Their sessions and tokens end now.`}
                      confirmLabel="Disable user"
                      danger
                      onConfirm={() =>
                        act(
                          () =>
                            raw((r) => r.DELETE(`${ADMIN}/users/{email}`, { params: { path } })),
                          `${u.email} is disabled.`,
                        )
                      }
                    />
                  )
                );
              }}
            />
          </AdminCard>
          <NewUser workspaces={workspaces} onCreated={(u) => changed(`User ${u.email} created.`)} />
        </>
      )}
    </AdminSection>
  );
}

const ROLES = [
  { value: 'member', label: 'Member' },
  { value: 'admin', label: 'Administrator' },
] as const satisfies readonly Option<Role>[];

function EditUser({
  user,
  workspaces,
  onClose,
  onSaved,
  onChanged,
  onFailed,
}: {
  user: User;
  workspaces: AdminWorkspace[];
  onClose: () => void;
  /** The user was saved: close and say so. */
  onSaved: (message: string) => void;
  /** A membership changed: say so, the form stays. */
  onChanged: (message: string) => void;
  onFailed: (err: unknown) => void;
}) {
  const form = useAdminForm({ name: user.name, role: user.role, password: '' });
  const { password } = form.values;
  const [adding, setAdding] = useState('');
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
      <AdminForm
        form={form}
        title={`Change ${user.email}`}
        submitLabel="Save changes"
        onClose={onClose}
        onSubmit={async () => {
          await raw((r) =>
            r.PATCH(`${ADMIN}/users/{email}`, {
              params: { path: { email: user.email } },
              body: {
                name: form.values.name,
                role: form.values.role,
                ...(password ? { password } : {}),
              },
            }),
          );
          onSaved(
            password
              ? `${user.email} saved; the new password ends their sessions.`
              : `${user.email} saved.`,
          );
        }}
      >
        <div className="admin-form__row">
          <TextField label="Name" required {...form.field('name')} />
          <SelectField label="Role" required {...form.field('role')} options={ROLES} />
          <TextField
            label="New password"
            hint="Leave empty to keep it. At least 8 characters."
            type="password"
            autoComplete="new-password"
            {...form.field('password')}
          />
        </div>
      </AdminForm>

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
            <SelectField
              label="Add to workspace"
              value={adding}
              onChange={setAdding}
              options={withNone('Choose a workspace…', keyOptions(others))}
            />
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
  workspaces: AdminWorkspace[];
  onCreated: (u: User) => void;
}) {
  const form = useAdminForm({
    name: '',
    email: '',
    role: 'member' as Role,
    password: '',
    workspaces: [] as string[],
  });
  return (
    <AdminForm
      form={form}
      card
      title="New user"
      submitLabel="Create user"
      onSubmit={async () => {
        const { password, ...user } = form.values;
        const u = await raw((r) =>
          r.POST(`${ADMIN}/users`, { body: { ...user, ...(password ? { password } : {}) } }),
        );
        // The next user starts from a blank form, as every admin create form does.
        form.reset();
        onCreated(u);
      }}
    >
      <div className="admin-form__row">
        <TextField label="Name" required {...form.field('name')} />
        <TextField
          label="E-mail"
          required
          type="email"
          autoComplete="off"
          {...form.field('email')}
        />
        <SelectField label="Role" required {...form.field('role')} options={ROLES} />
        <TextField
          label="Password"
          hint="At least 8 characters. Without one the user cannot sign in yet."
          type="password"
          autoComplete="new-password"
          {...form.field('password')}
        />
      </div>
      <WorkspacePicker legend="Workspaces" options={workspaces} {...form.field('workspaces')} />
    </AdminForm>
  );
}
