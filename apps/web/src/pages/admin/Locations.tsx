import { raw } from '../../api.ts';
import { Empty } from '../../ui/components.tsx';
import { formatDate } from '../../ui/format.ts';
import { DeleteAction } from './actions.tsx';
import { AdminForm, SubmitButton, TextField, useAdminForm } from './forms.tsx';
import { useRename } from './rename.tsx';
import { ADMIN, AdminCard, AdminSection, AdminTable, useAdminSection } from './shared.tsx';

/** Locations (sites a todo can name): create, rename, delete. */
export function Locations() {
  const section = useAdminSection(() => raw((r) => r.GET(`${ADMIN}/locations`)));
  const { changed, act } = section;
  const rename = useRename(changed);
  const form = useAdminForm({ name: '' });

  return (
    <AdminSection section={section}>
      {({ items: locations }) => (
        <AdminCard title="Locations" intro="The sites and offices todos can refer to.">
          <AdminTable
            rows={locations}
            rowKey={(l) => l.id}
            empty={<Empty title="No locations yet" />}
            columns={[
              {
                header: 'Name',
                cell: (l) =>
                  rename.cell(String(l.id), l.name, `New name of ${l.name}`, async (newName) => {
                    await raw((r) =>
                      r.PATCH(`${ADMIN}/locations/{id}`, {
                        params: { path: { id: l.id } },
                        body: { name: newName },
                      }),
                    );
                    return `Location renamed to ${newName}.`;
                  }),
              },
              { header: 'Created', cell: (l) => formatDate(l.createdAt) },
            ]}
            actions={(l) => (
              <>
                {rename.button(String(l.id), `Rename ${l.name}`)}
                <DeleteAction
                  question={`Delete location ${l.name}?`}
                  confirmLabel="Delete location"
                  onConfirm={() =>
                    act(
                      () =>
                        raw((r) =>
                          r.DELETE(`${ADMIN}/locations/{id}`, { params: { path: { id: l.id } } }),
                        ),
                      `Location ${l.name} deleted.`,
                    )
                  }
                />
              </>
            )}
          />
          <AdminForm
            form={form}
            title="New location"
            onSubmit={async () => {
              const l = await raw((r) => r.POST(`${ADMIN}/locations`, { body: form.values }));
              form.set({ name: '' });
              changed(`Location ${l.name} created.`);
            }}
          >
            {/* One field: its button beside it. */}
            <div className="admin-inline">
              <TextField label="Location name" required {...form.field('name')} />
              <SubmitButton form={form}>Create location</SubmitButton>
            </div>
          </AdminForm>
        </AdminCard>
      )}
    </AdminSection>
  );
}
