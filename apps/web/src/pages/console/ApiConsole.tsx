import { PageHeader } from '../../ui/components.tsx';

// Placeholder until this page is built (issue 5).
export default function ApiConsole({ query }: { query: URLSearchParams }) {
  return <PageHeader title="API console" />;
}
