/**
 * An operations command (backup, restore, export) that cannot do what was asked, for a
 * reason the operator can act on: `bzctrl` prints the message alone and exits 1.
 */
export class OpsError extends Error {}
