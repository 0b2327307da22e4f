import { lazy, type ReactNode, Suspense, useEffect } from 'react';
import { SignIn } from './pages/sign-in/SignIn.tsx';
import { type Route, useRoute } from './router.ts';
import { SessionGate, useSession } from './session.tsx';
import { Empty, Loading } from './ui/components.tsx';
import './shell.css';

// Each page is its own chunk: opening a taskLink loads the shell and the details page only.
const Dashboard = lazy(() => import('./pages/dashboard/Dashboard.tsx'));
const TodoList = lazy(() => import('./pages/todos/TodoList.tsx'));
const TodoForm = lazy(() => import('./pages/form/TodoForm.tsx'));
const TodoDetails = lazy(() => import('./pages/todo/TodoDetails.tsx'));
const Admin = lazy(() => import('./pages/admin/Admin.tsx'));
const ApiConsole = lazy(() => import('./pages/console/ApiConsole.tsx'));
const SharedTodo = lazy(() => import('./pages/shared/SharedTodo.tsx'));

/** The page for a route; unknown routes say so rather than showing a blank screen. */
function page(route: Route): { title: string; node: ReactNode } {
  const [first, second, third] = route.segments;
  switch (first) {
    case undefined:
      return { title: 'Dashboard', node: <Dashboard /> };
    case 'todos':
      return { title: 'Todos', node: <TodoList query={route.query} /> };
    case 'new':
      return { title: 'New todo', node: <TodoForm query={route.query} /> };
    case 'todo':
      if (second && third === 'edit') {
        return { title: `Edit ${second}`, node: <TodoForm todoKey={second} query={route.query} /> };
      }
      if (second && !third) {
        return { title: second, node: <TodoDetails todoKey={second} query={route.query} /> };
      }
      break;
    case 'admin':
      return { title: 'Admin', node: <Admin section={second} query={route.query} /> };
    case 'console':
      return { title: 'API console', node: <ApiConsole query={route.query} /> };
  }
  return {
    title: 'Not found',
    node: (
      <Empty title="This page does not exist">
        <a href="#/">Go to the dashboard</a>
      </Empty>
    ),
  };
}

const NAV: { href: string; label: string; section: string | undefined; admin?: boolean }[] = [
  { href: '#/', label: 'Dashboard', section: undefined },
  { href: '#/todos', label: 'Todos', section: 'todos' },
  { href: '#/new', label: 'New todo', section: 'new' },
  { href: '#/console', label: 'API console', section: 'console' },
  { href: '#/admin', label: 'Admin', section: 'admin', admin: true },
];

function Shell() {
  const route = useRoute();
  const { session, signOut } = useSession();
  const { title, node } = page(route);
  const current = route.segments[0];

  useEffect(() => {
    document.title = `${title} · BzCtrl`;
  }, [title]);

  return (
    <div className="shell">
      <button type="button" className="skip-link" onClick={skipToMain}>
        Skip to content
      </button>
      <header className="topbar">
        <a className="topbar__brand" href="#/">
          BzCtrl
        </a>
        <nav aria-label="Main">
          {NAV.filter((n) => !n.admin || session.user.role === 'admin').map((n) => (
            <a
              key={n.href}
              href={n.href}
              aria-current={
                current === n.section || (n.section === 'todos' && current === 'todo')
                  ? 'page'
                  : undefined
              }
            >
              {n.label}
            </a>
          ))}
        </nav>
        <div className="topbar__user">
          <span title={session.user.email}>{session.user.name}</span>
          <button type="button" className="button button--secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>{node}</Suspense>
      </main>
    </div>
  );
}

// A button, not `<a href="#main">`: the hash is the route.
function skipToMain() {
  document.getElementById('main')?.focus();
}

export function App() {
  const route = useRoute();
  // A shared link's page needs no sign-in: it is shown outside the session gate and the
  // shell, and asks nothing of the session.
  if (route.segments[0] === 'shared') {
    return (
      <Suspense fallback={<Loading />}>
        <SharedTodo token={route.segments[1] ?? ''} />
      </Suspense>
    );
  }
  return (
    <SessionGate signIn={(props) => <SignIn {...props} />}>
      <Shell />
    </SessionGate>
  );
}
