import type { components } from '@bzctrl/sdk';
import { raw } from '../../api.ts';
import { Empty } from '../../ui/components.tsx';
import { DeleteAction } from './actions.tsx';
import { keyOptions, withNone } from './admin.logic.ts';
import { AdminForm, SelectField, TextField, useAdminForm } from './forms.tsx';
import { useRename } from './rename.tsx';
import {
  ADMIN,
  AdminCard,
  AdminSection,
  AdminTable,
  type AdminWorkspace,
  useAdminSection,
  withWorkspaces,
} from './shared.tsx';

type Domain = components['schemas']['AdminDomain'];

const loadAll = () => withWorkspaces(raw((r) => r.GET(`${ADMIN}/domains`)));

/** Domains and their workspaces: create, rename, delete (codes never change: they are in keys). */
export function Workspaces() {
  const section = useAdminSection(loadAll);
  const { changed, act } = section;
  const rename = useRename(changed);

  return (
    <AdminSection section={section}>
      {({ list: { items: domains }, workspaces }) => (
        <>
          <AdminCard
            title="Domains"
            intro={
              <>
                A domain groups the workspaces of one customer site, e.g. <code>IMP-NLD-EXA</code>.
                Codes are part of every todo key and cannot change; names can.
              </>
            }
          >
            <AdminTable
              rows={domains}
              rowKey={(d) => d.code}
              empty={<Empty title="No domains yet">Create the first one below.</Empty>}
              columns={[
                { header: 'Code', className: 'admin-key', cell: (d) => d.code },
                {
                  header: 'Name',
                  cell: (d) =>
                    rename.cell(`d:${d.code}`, d.name, `New name of ${d.code}`, async (name) => {
                      await raw((r) =>
                        r.PATCH(`${ADMIN}/domains/{code}`, {
                          params: { path: { code: d.code } },
                          body: { name },
                        }),
                      );
                      return `Domain ${d.code} renamed.`;
                    }),
                },
                { header: 'Workspaces', cell: (d) => d.workspaces.length },
              ]}
              actions={(d) => (
                <>
                  {rename.button(`d:${d.code}`)}
                  <DeleteAction
                    question={`Delete domain ${d.code}?`}
                    confirmLabel="Delete domain"
                    onConfirm={() =>
                      act(
                        () =>
                          raw((r) =>
                            r.DELETE(`${ADMIN}/domains/{code}`, {
                              params: { path: { code: d.code } },
                            }),
                          ),
                        `Domain ${d.code} deleted.`,
                      )
                    }
                  />
                </>
              )}
            />
            <NewDomain onCreated={(d) => changed(`Domain ${d.code} created.`)} />
          </AdminCard>

          <AdminCard
            title="Workspaces"
            intro={
              <>
                Todos live in a workspace; its key (domain + code, e.g. <code>IMP-NLD-EXA-SWA</code>
                ) starts every todo key. A workspace that ever held a todo cannot be deleted.
              </>
            }
          >
            <AdminTable
              rows={workspaces}
              rowKey={(w) => w.key}
              empty={
                <Empty title="No workspaces yet">Create a domain first, then its workspaces.</Empty>
              }
              columns={[
                { header: 'Key', className: 'admin-key', cell: (w) => w.key },
                {
                  header: 'Name',
                  cell: (w) =>
                    rename.cell(`w:${w.key}`, w.name, `New name of ${w.key}`, async (name) => {
                      await raw((r) =>
                        r.PATCH(`${ADMIN}/workspaces/{key}`, {
                          params: { path: { key: w.key } },
                          body: { name },
                        }),
                      );
                      return `Workspace ${w.key} renamed.`;
                    }),
                },
                { header: 'Domain', cell: (w) => w.domain },
              ]}
              actions={(w) => (
                <>
                  {rename.button(`w:${w.key}`)}
                  <DeleteAction
                    question={`Delete workspace ${w.key} with its memberships and exposed endpoints?`}
                    confirmLabel="Delete workspace"
                    onConfirm={() =>
                      act(
                        () =>
                          raw((r) =>
                            r.DELETE(`${ADMIN}/workspaces/{key}`, {
                              params: { path: { key: w.key } },
                            }),
                          ),
                        `Workspace ${w.key} deleted.`,
                      )
                    }
                  />
                </>
              )}
            />
            <NewWorkspace
              domains={domains}
              onCreated={(w) => changed(`Workspace ${w.key} created.`)}
            />
          </AdminCard>
        </>
      )}
    </AdminSection>
  );
}

function NewDomain({ onCreated }: { onCreated: (d: Domain) => void }) {
  const form = useAdminForm({ code: '', name: '' });
  return (
    <AdminForm
      form={form}
      title="New domain"
      submitLabel="Create domain"
      onSubmit={async () => {
        const d = await raw((r) => r.POST(`${ADMIN}/domains`, { body: form.values }));
        form.set({ code: '', name: '' });
        onCreated(d);
      }}
    >
      <div className="admin-form__row">
        <TextField label="Domain code" required hint="e.g. IMP-NLD-EXA" {...form.field('code')} />
        <TextField label="Domain name" required {...form.field('name')} />
      </div>
    </AdminForm>
  );
}

function NewWorkspace({
  domains,
  onCreated,
}: {
  domains: Domain[];
  onCreated: (w: AdminWorkspace) => void;
}) {
  const form = useAdminForm({ domain: '', code: '', name: '' });
  return (
    <AdminForm
      form={form}
      title="New workspace"
      submitLabel="Create workspace"
      onSubmit={async () => {
        const w = await raw((r) => r.POST(`${ADMIN}/workspaces`, { body: form.values }));
        // The next workspace is likely in the same domain.
        form.set({ code: '', name: '' });
        onCreated(w);
      }}
    >
      <div className="admin-form__row">
        <SelectField
          label="Domain"
          required
          {...form.field('domain')}
          options={withNone(
            'Choose a domain…',
            keyOptions(domains.map((d) => ({ key: d.code, name: d.name }))),
          )}
        />
        <TextField label="Workspace code" required hint="e.g. SWA" {...form.field('code')} />
        <TextField label="Workspace name" required {...form.field('name')} />
      </div>
    </AdminForm>
  );
}
