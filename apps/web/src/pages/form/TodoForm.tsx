import { PageHeader } from '../../ui/components.tsx';

// Placeholder until this page is built (issue 5).
export default function TodoForm({ todoKey, query }: { todoKey?: string; query: URLSearchParams }) {
  return <PageHeader title="New todo" />;
}
