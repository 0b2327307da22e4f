import type { ReactNode } from 'react';

/** A dashboard card: a heading a tile can jump to, an aside beside it, then its content. */
export function Section({
  id,
  title,
  aside,
  children,
  className = '',
}: {
  id: string;
  title: string;
  aside?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section className={`card dash-card ${className}`} aria-labelledby={id}>
      <div className="dash-card__head">
        <h2 id={id} tabIndex={-1}>
          {title}
        </h2>
        {aside}
      </div>
      {children}
    </section>
  );
}
