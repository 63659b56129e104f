import type { Config } from '../src/config.ts';

export interface CommandContext {
  config: Config;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Exit codes: 0 ok, 1 the run failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export type Command = (args: string[], ctx: CommandContext) => Promise<number>;
