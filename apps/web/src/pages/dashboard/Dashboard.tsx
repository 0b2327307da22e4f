import { PageHeader } from '../../ui/components.tsx';

// Placeholder until this page is built (issue 5).
export default function Dashboard() {
  return <PageHeader title="Dashboard" />;
}
