import { type DraftKind, draftOfferText } from './drafts.logic.ts';

/**
 * "You have an unsent comment from 14:02 — Restore / Discard": a draft found when the page
 * opened. Restoring puts it back into the page; nothing is sent until the user sends it.
 */
export function DraftOffer({
  what,
  savedAt,
  onRestore,
  onDiscard,
}: {
  what: DraftKind;
  savedAt: string;
  onRestore: () => void;
  onDiscard: () => void;
}) {
  const text = draftOfferText(what, savedAt, new Date());
  return (
    <div className="notice draft-offer" role="status">
      <span>{text}</span>
      <span className="draft-offer__actions">
        <button type="button" className="button button--secondary" onClick={onRestore}>
          Restore
        </button>
        <button type="button" className="button button--link" onClick={onDiscard}>
          Discard
        </button>
      </span>
    </div>
  );
}
