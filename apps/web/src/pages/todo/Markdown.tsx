import { useEffect, useState } from 'react';

type Render = (source: string) => string;
let loading: Promise<Render> | undefined;
/** marked and DOMPurify, fetched once, the first time a comment is shown. */
const loadRenderer = () => {
  loading ??= import('./markdown.ts').then((m) => m.renderMarkdown);
  return loading;
};

/**
 * A comment's Markdown, rendered and sanitized (markdown.ts). Until the renderer has
 * loaded, or if it cannot load, the text is shown as typed.
 */
export function Markdown({ source, className }: { source: string; className: string }) {
  const [html, setHtml] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    loadRenderer().then(
      (render) => {
        if (live) setHtml(render(source));
      },
      () => {
        loading = undefined;
      },
    );
    return () => {
      live = false;
    };
  }, [source]);
  if (html === undefined) return <p className={`${className} ${className}--plain`}>{source}</p>;
  // Sanitized by DOMPurify in markdown.ts before it gets here.
  // biome-ignore lint/security/noDangerouslySetInnerHtml: the HTML is DOMPurify's output
  return <div className={className} dangerouslySetInnerHTML={{ __html: html }} />;
}
