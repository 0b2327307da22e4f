import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { BzCtrlClient } from '@bzctrl/sdk';
import { clientFromCredentials } from './credentials.ts';
import { UsageError } from './output.ts';

/** The options every subcommand takes. */
export const flag = { type: 'boolean', default: false } as const;
export const common = {
  json: flag,
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** parseArgs with the command's usage attached to every mistake. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  usage: string,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message, usage);
  }
}

export function help(usage: string): number {
  console.log(usage);
  return 0;
}

export type Subcommand = (args: string[], bz: () => BzCtrlClient) => Promise<number>;

/**
 * `bzctrl <group> <command> …` on the session `bzctrl login` stored: runs the named
 * command, or explains the group's usage.
 */
export async function runSubcommand(
  group: string,
  usage: string,
  commands: Record<string, Subcommand>,
  argv: string[],
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command) throw new UsageError(`name a ${group} command`, usage);
  if (command === 'help' || command === '--help' || command === '-h') {
    return help(usage);
  }
  const run = commands[command];
  if (!run) throw new UsageError(`unknown ${group} command "${command}"`, usage);
  // The client is made only when needed, so --help works before any login.
  return run(rest, clientFromCredentials);
}
