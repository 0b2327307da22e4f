import { Empty } from '../../ui/components.tsx';
import { LEVEL_LABEL, type Level } from '../../ui/format.ts';
import {
  cellCount,
  cellLabel,
  type Dashboard,
  IMPACT_ROWS,
  intensity,
  LIKELIHOOD_COLUMNS,
  largest,
  OPEN,
  openIncidentsHref,
  plural,
  RISKS,
  riskLevel,
  scopeOf,
  todosHref,
  unratedNote,
} from './dashboard.logic.ts';
import { Section } from './Section.tsx';

/** Open incidents by impact and likelihood, each cell shaded by its risk and its count. */
export function RiskMatrix({ data }: { data: Dashboard }) {
  const { cells, unrated, total } = data.riskMatrix;
  const scope = scopeOf(data);
  const max = largest(cells.map((c) => c.count));
  return (
    <Section
      id="dash-risk"
      title="Risk matrix"
      aside={
        total > 0 && <a href={openIncidentsHref(data)}>All {plural(total, 'open incident')}</a>
      }
    >
      {total === 0 ? (
        <Empty title="No open incidents">Incidents in To do or In Progress are counted here.</Empty>
      ) : (
        <>
          <table className="dash-matrix">
            <caption className="visually-hidden">
              Open incidents by impact (rows) and likelihood (columns)
            </caption>
            <thead>
              <tr>
                <td className="dash-matrix__corner">
                  <span>Impact</span> ↓ / <span>Likelihood</span> →
                </td>
                {LIKELIHOOD_COLUMNS.map((l) => (
                  <th key={l} scope="col">
                    {LEVEL_LABEL[l]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {IMPACT_ROWS.map((impact) => (
                <tr key={impact}>
                  <th scope="row">{LEVEL_LABEL[impact]}</th>
                  {LIKELIHOOD_COLUMNS.map((likelihood) => {
                    const n = cellCount(cells, impact, likelihood);
                    const level = riskLevel(impact, likelihood);
                    return (
                      <td
                        key={likelihood}
                        className={`dash-cell dash-cell--${level} dash-cell--i${intensity(n, max, level)}`}
                      >
                        <a
                          href={todosHref({
                            ...scope,
                            type: 'INCIDENT',
                            impact,
                            likelihood,
                            status: OPEN,
                          })}
                          aria-label={cellLabel(n, LEVEL_LABEL[impact], LEVEL_LABEL[likelihood])}
                        >
                          {n}
                        </a>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          <p className="dash-legend">
            Risk (impact × likelihood):
            {RISKS.map((level) => (
              <span key={level} className={`dash-swatch dash-swatch--${level}`}>
                {LEVEL_LABEL[level.toUpperCase() as Level]}
              </span>
            ))}
            <span className="dash-legend__depth">deeper colour: more incidents</span>
          </p>
          <p className="dash-note">{unratedNote(unrated)}</p>
        </>
      )}
    </Section>
  );
}
