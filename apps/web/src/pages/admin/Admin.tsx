import type { ReactNode } from 'react';
import { useSession } from '../../session.tsx';
import { Empty, PageHeader } from '../../ui/components.tsx';
import { Clients } from './Clients.tsx';
import { CustomFields } from './CustomFields.tsx';
import { Endpoints } from './Endpoints.tsx';
import { Locations } from './Locations.tsx';
import { Users } from './Users.tsx';
import { Webhooks } from './Webhooks.tsx';
import { Workspaces } from './Workspaces.tsx';
import './admin.css';

const SECTIONS: { slug: string; label: string; render: (query: URLSearchParams) => ReactNode }[] = [
  { slug: 'workspaces', label: 'Domains & workspaces', render: () => <Workspaces /> },
  { slug: 'users', label: 'Users', render: () => <Users /> },
  { slug: 'clients', label: 'API clients', render: () => <Clients /> },
  { slug: 'endpoints', label: 'Exposed endpoints', render: () => <Endpoints /> },
  { slug: 'locations', label: 'Locations', render: () => <Locations /> },
  { slug: 'custom-fields', label: 'Custom fields', render: () => <CustomFields /> },
  { slug: 'webhooks', label: 'Webhooks', render: (query) => <Webhooks query={query} /> },
];

/**
 * Administration (`#/admin/<section>`): one section of the admin API at a time. Members are
 * told they need the admin role; the API refuses them anyway.
 */
export default function Admin({
  section,
  query,
}: {
  section: string | undefined;
  query: URLSearchParams;
}) {
  const { session } = useSession();
  if (session.user.role !== 'admin') {
    return (
      <>
        <PageHeader title="Admin" />
        <Empty title="You need the admin role">
          <p>Administration is for administrators. Ask one if you need a change.</p>
        </Empty>
      </>
    );
  }
  const current = SECTIONS.find((s) => s.slug === (section ?? SECTIONS[0]?.slug));
  return (
    <div className="admin">
      <PageHeader title="Admin" />
      <nav className="admin-nav" aria-label="Admin sections">
        {SECTIONS.map((s) => (
          <a
            key={s.slug}
            href={`#/admin/${s.slug}`}
            aria-current={s.slug === current?.slug ? 'page' : undefined}
          >
            {s.label}
          </a>
        ))}
      </nav>
      <div className="admin-section">
        {current ? (
          current.render(query)
        ) : (
          <Empty title="This admin section does not exist">
            <a href="#/admin">Go to the admin overview</a>
          </Empty>
        )}
      </div>
    </div>
  );
}
