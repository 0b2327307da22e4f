/**
 * A provisioning document that cannot be applied; `problems` name each bad entry by its
 * path (`users[1].email: …`). Kept apart from the service so the command can recognise
 * it without loading the validator.
 */
export class ProvisionError extends Error {
  constructor(readonly problems: string[]) {
    super(`The provisioning file is invalid:\n  - ${problems.join('\n  - ')}`);
  }
}
