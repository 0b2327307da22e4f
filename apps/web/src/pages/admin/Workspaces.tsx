import type { components } from '@bzctrl/sdk';
import { useState } from 'react';
import { raw } from '../../api.ts';
import { Empty, ErrorNote, Field, Loading } from '../../ui/components.tsx';
import { useAsync } from '../../ui/use-async.ts';
import { ADMIN, ConfirmAction, FailureNote, RenameForm, useOutcome, useSubmit } from './shared.tsx';

type Domain = components['schemas']['AdminDomain'];
type Workspace = components['schemas']['AdminWorkspace'];

async function loadAll(): Promise<{ domains: Domain[]; workspaces: Workspace[] }> {
  const [d, w] = await Promise.all([
    raw((r) => r.GET(`${ADMIN}/domains`)),
    raw((r) => r.GET(`${ADMIN}/workspaces`)),
  ]);
  return { domains: d.items, workspaces: w.items };
}

/** Domains and their workspaces: create, rename, delete (codes never change: they are in keys). */
export function Workspaces() {
  const state = useAsync(loadAll, []);
  const outcome = useOutcome();
  const [renaming, setRenaming] = useState<string | undefined>();

  if (state.status === 'loading' && !state.data) return <Loading />;
  if (state.status === 'error' && !state.data) {
    return <ErrorNote error={state.error} onRetry={state.reload} />;
  }
  const { domains, workspaces } = state.data ?? { domains: [], workspaces: [] };

  return (
    <>
      {outcome.note}
      <section className="card" aria-labelledby="admin-domains">
        <h2 id="admin-domains">Domains</h2>
        <p className="admin-intro">
          A domain groups the workspaces of one customer site, e.g. <code>IMP-NLD-EXA</code>. Codes
          are part of every todo key and cannot change; names can.
        </p>
        {domains.length === 0 ? (
          <Empty title="No domains yet">Create the first one below.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Name</th>
                  <th scope="col">Workspaces</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {domains.map((d) => (
                  <tr key={d.code}>
                    <td className="admin-key">{d.code}</td>
                    <td>
                      {renaming === `d:${d.code}` ? (
                        <RenameForm
                          label={`New name of ${d.code}`}
                          initial={d.name}
                          onCancel={() => setRenaming(undefined)}
                          onSave={async (name) => {
                            await raw((r) =>
                              r.PATCH(`${ADMIN}/domains/{code}`, {
                                params: { path: { code: d.code } },
                                body: { name },
                              }),
                            );
                            setRenaming(undefined);
                            outcome.done(`Domain ${d.code} renamed.`);
                            state.reload();
                          }}
                        />
                      ) : (
                        d.name
                      )}
                    </td>
                    <td>{d.workspaces.length}</td>
                    <td className="admin-row-actions">
                      <div className="admin-row-actions__inner">
                        <button
                          type="button"
                          className="button button--secondary admin-small"
                          onClick={() => setRenaming(`d:${d.code}`)}
                        >
                          Rename
                        </button>
                        <ConfirmAction
                          label="Delete"
                          question={`Delete domain ${d.code}?`}
                          confirmLabel="Delete domain"
                          danger
                          onConfirm={() =>
                            outcome.run(async () => {
                              await raw((r) =>
                                r.DELETE(`${ADMIN}/domains/{code}`, {
                                  params: { path: { code: d.code } },
                                }),
                              );
                              state.reload();
                            }, `Domain ${d.code} deleted.`)
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
        <NewDomain
          onCreated={(d) => {
            outcome.done(`Domain ${d.code} created.`);
            state.reload();
          }}
        />
      </section>

      <section className="card" aria-labelledby="admin-workspaces">
        <h2 id="admin-workspaces">Workspaces</h2>
        <p className="admin-intro">
          Todos live in a workspace; its key (domain + code, e.g. <code>IMP-NLD-EXA-SWA</code>)
          starts every todo key. A workspace that ever held a todo cannot be deleted.
        </p>
        {workspaces.length === 0 ? (
          <Empty title="No workspaces yet">Create a domain first, then its workspaces.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Name</th>
                  <th scope="col">Domain</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {workspaces.map((w) => (
                  <tr key={w.key}>
                    <td className="admin-key">{w.key}</td>
                    <td>
                      {renaming === `w:${w.key}` ? (
                        <RenameForm
                          label={`New name of ${w.key}`}
                          initial={w.name}
                          onCancel={() => setRenaming(undefined)}
                          onSave={async (name) => {
                            await raw((r) =>
                              r.PATCH(`${ADMIN}/workspaces/{key}`, {
                                params: { path: { key: w.key } },
                                body: { name },
                              }),
                            );
                            setRenaming(undefined);
                            outcome.done(`Workspace ${w.key} renamed.`);
                            state.reload();
                          }}
                        />
                      ) : (
                        w.name
                      )}
                    </td>
                    <td>{w.domain}</td>
                    <td className="admin-row-actions">
                      <div className="admin-row-actions__inner">
                        <button
                          type="button"
                          className="button button--secondary admin-small"
                          onClick={() => setRenaming(`w:${w.key}`)}
                        >
                          Rename
                        </button>
                        <ConfirmAction
                          label="Delete"
                          question={`Delete workspace ${w.key} with its memberships and exposed endpoints?`}
                          confirmLabel="Delete workspace"
                          danger
                          onConfirm={() =>
                            outcome.run(async () => {
                              await raw((r) =>
                                r.DELETE(`${ADMIN}/workspaces/{key}`, {
                                  params: { path: { key: w.key } },
                                }),
                              );
                              state.reload();
                            }, `Workspace ${w.key} deleted.`)
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
        <NewWorkspace
          domains={domains}
          onCreated={(w) => {
            outcome.done(`Workspace ${w.key} created.`);
            state.reload();
          }}
        />
      </section>
    </>
  );
}

function NewDomain({ onCreated }: { onCreated: (d: Domain) => void }) {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const { failure, busy, submit, fields } = useSubmit(['code', 'name']);
  return (
    <form
      className="admin-form"
      aria-label="New domain"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          const d = await raw((r) => r.POST(`${ADMIN}/domains`, { body: { code, name } }));
          setCode('');
          setName('');
          onCreated(d);
        });
      }}
    >
      <h3>New domain</h3>
      <FailureNote failure={failure} />
      <div className="admin-form__row">
        <Field label="Domain code" required error={fields.code} hint="e.g. IMP-NLD-EXA">
          {(p) => <input {...p} value={code} onChange={(e) => setCode(e.target.value)} />}
        </Field>
        <Field label="Domain name" required error={fields.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
      </div>
      <button type="submit" className="button" disabled={busy}>
        Create domain
      </button>
    </form>
  );
}

function NewWorkspace({
  domains,
  onCreated,
}: {
  domains: Domain[];
  onCreated: (w: Workspace) => void;
}) {
  const [domain, setDomain] = useState('');
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const { failure, busy, submit, fields } = useSubmit(['domain', 'code', 'name']);
  return (
    <form
      className="admin-form"
      aria-label="New workspace"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          const w = await raw((r) =>
            r.POST(`${ADMIN}/workspaces`, { body: { domain, code, name } }),
          );
          setCode('');
          setName('');
          onCreated(w);
        });
      }}
    >
      <h3>New workspace</h3>
      <FailureNote failure={failure} />
      <div className="admin-form__row">
        <Field label="Domain" required error={fields.domain}>
          {(p) => (
            <select {...p} value={domain} onChange={(e) => setDomain(e.target.value)}>
              <option value="">Choose a domain…</option>
              {domains.map((d) => (
                <option key={d.code} value={d.code}>
                  {d.code} · {d.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Workspace code" required error={fields.code} hint="e.g. SWA">
          {(p) => <input {...p} value={code} onChange={(e) => setCode(e.target.value)} />}
        </Field>
        <Field label="Workspace name" required error={fields.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
      </div>
      <button type="submit" className="button" disabled={busy}>
        Create workspace
      </button>
    </form>
  );
}
