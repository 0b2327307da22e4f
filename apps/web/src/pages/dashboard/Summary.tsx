import { type Dashboard, inPageTarget, summaryTiles } from './dashboard.logic.ts';

export function Summary({ data }: { data: Dashboard }) {
  return (
    <ul className="dash-summary" aria-label="Summary">
      {summaryTiles(data).map((t) => {
        const target = inPageTarget(t.to);
        return (
          <li key={t.label} className={`dash-tile${t.tone ? ` dash-tile--${t.tone}` : ''}`}>
            {target ? (
              // In-page jump: the hash is the route, so scroll instead of following it.
              <button type="button" onClick={() => jumpTo(target)}>
                <TileContent label={t.label} value={t.value} />
              </button>
            ) : (
              <a href={t.to}>
                <TileContent label={t.label} value={t.value} />
              </a>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function TileContent({ label, value }: { label: string; value: string }) {
  return (
    <>
      <span className="dash-tile__value">{value}</span>
      <span className="dash-tile__label">{label}</span>
    </>
  );
}

function jumpTo(id: string) {
  const target = document.getElementById(id);
  target?.scrollIntoView({ block: 'start' });
  target?.focus({ preventScroll: true });
}
