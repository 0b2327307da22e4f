import { PageHeader } from '../../ui/components.tsx';

// Placeholder until this page is built (issue 5).
export default function Admin({
  section,
  query,
}: {
  section: string | undefined;
  query: URLSearchParams;
}) {
  return <PageHeader title="Admin" />;
}
