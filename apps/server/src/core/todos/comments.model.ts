/** Limits of a comment's text (the body is trimmed before the check). */
export const COMMENT_LIMITS = { body: 10_000, auditExcerpt: 200 } as const;
