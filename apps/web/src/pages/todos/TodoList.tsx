import { PageHeader } from '../../ui/components.tsx';

// Placeholder until this page is built (issue 5).
export default function TodoList({ query }: { query: URLSearchParams }) {
  return <PageHeader title="Todos" />;
}
