/**
 * A JSON Pointer as a field name a person reads: `/users/0/email` → `users[0].email`.
 * Request validation and provisioning name bad fields the same way.
 */
export function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}
