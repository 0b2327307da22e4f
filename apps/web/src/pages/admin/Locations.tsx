import type { components } from '@bzctrl/sdk';
import { useState } from 'react';
import { raw } from '../../api.ts';
import { Empty, ErrorNote, Field, Loading } from '../../ui/components.tsx';
import { formatDate } from '../../ui/format.ts';
import { useAsync } from '../../ui/use-async.ts';
import { ADMIN, ConfirmAction, FailureNote, RenameForm, useOutcome, useSubmit } from './shared.tsx';

type Location = components['schemas']['AdminLocation'];

/** Locations (sites a todo can name): create, rename, delete. */
export function Locations() {
  const state = useAsync(() => raw((r) => r.GET(`${ADMIN}/locations`)), []);
  const outcome = useOutcome();
  const [renaming, setRenaming] = useState<number | undefined>();
  const [name, setName] = useState('');
  const { failure, busy, submit, fields } = useSubmit(['name']);

  if (state.status === 'loading' && !state.data) return <Loading />;
  if (state.status === 'error' && !state.data) {
    return <ErrorNote error={state.error} onRetry={state.reload} />;
  }
  const locations: Location[] = state.data?.items ?? [];

  return (
    <>
      {outcome.note}
      <section className="card" aria-labelledby="admin-locations">
        <h2 id="admin-locations">Locations</h2>
        <p className="admin-intro">The sites and offices todos can refer to.</p>
        {locations.length === 0 ? (
          <Empty title="No locations yet" />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {locations.map((l) => (
                  <tr key={l.id}>
                    <td>
                      {renaming === l.id ? (
                        <RenameForm
                          label={`New name of ${l.name}`}
                          initial={l.name}
                          onCancel={() => setRenaming(undefined)}
                          onSave={async (newName) => {
                            await raw((r) =>
                              r.PATCH(`${ADMIN}/locations/{id}`, {
                                params: { path: { id: l.id } },
                                body: { name: newName },
                              }),
                            );
                            setRenaming(undefined);
                            outcome.done(`Location renamed to ${newName}.`);
                            state.reload();
                          }}
                        />
                      ) : (
                        l.name
                      )}
                    </td>
                    <td>{formatDate(l.createdAt)}</td>
                    <td className="admin-row-actions">
                      <div className="admin-row-actions__inner">
                        <button
                          type="button"
                          className="button button--secondary admin-small"
                          aria-label={`Rename ${l.name}`}
                          onClick={() => setRenaming(l.id)}
                        >
                          Rename
                        </button>
                        <ConfirmAction
                          label="Delete"
                          question={`Delete location ${l.name}?`}
                          confirmLabel="Delete location"
                          danger
                          onConfirm={() =>
                            outcome.run(async () => {
                              await raw((r) =>
                                r.DELETE(`${ADMIN}/locations/{id}`, {
                                  params: { path: { id: l.id } },
                                }),
                              );
                              state.reload();
                            }, `Location ${l.name} deleted.`)
                          }
                        />
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <form
          className="admin-form"
          aria-label="New location"
          onSubmit={(e) => {
            e.preventDefault();
            void submit(async () => {
              const l = await raw((r) => r.POST(`${ADMIN}/locations`, { body: { name } }));
              setName('');
              outcome.done(`Location ${l.name} created.`);
              state.reload();
            });
          }}
        >
          <h3>New location</h3>
          <FailureNote failure={failure} />
          <div className="admin-inline">
            <Field label="Location name" required error={fields.name}>
              {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <button type="submit" className="button" disabled={busy}>
              Create location
            </button>
          </div>
        </form>
      </section>
    </>
  );
}
