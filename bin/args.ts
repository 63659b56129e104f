import { displaySafe } from '../src/display.ts';
/**
 * The one dialect every `kinfinder` command speaks. A command declares its usage and options
 * once (a CommandSpec); this module derives the rest from that, so no command re-implements it:
 *  - `--help` / `-h` prints the command's help on stdout → exit 0;
 *  - an unknown option, a missing or malformed value, a missing or extra argument prints
 *    `kinfinder <command>: <what was wrong>` and the usage line(s) on stderr → exit 2;
 *  - a run that failed prints `kinfinder <command>: <what failed>` on stderr → exit 1.
 * Paths in messages stay as the user typed them: they are the user's words, not ours.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BackendChoice } from '../src/face/index.ts';
import { EXIT, type CommandContext } from './context.ts';

interface OptionCommon {
  /** What the option does, one line. */
  help: string;
  short?: string;
}
export interface StringOption extends OptionCommon {
  type: 'string';
  /** The value's placeholder in the usage: `N`, `FILE`, `auto|wasm|cpu`. */
  value: string;
  /** Applied when the option is absent, and shown in the help. */
  default?: string;
  /** Shown in the help when the default is decided at run time (the environment, the machine). */
  defaultText?: string;
  required?: boolean;
}
export interface BooleanOption extends OptionCommon {
  type: 'boolean';
}
export type OptionSpec = StringOption | BooleanOption;
export type Options = Record<string, OptionSpec>;

export interface CommandSpec<O extends Options = Options> {
  /** As typed after `kinfinder`: `ingest`, `token create`, `eval pairs`. */
  name: string;
  /** What the command does; the first line is its summary. */
  description: string;
  /** Positional arguments; a command without them takes none. */
  args?: { label: string; help: string; min: number; max?: number };
  options: O;
  /** What exit 0 and exit 1 mean for this command (2 is always a wrong command line). */
  exits: { ok: string; failed: string };
}

/** A command with sub-commands (`token create`, `eval pairs`), keyed by the sub-command's word. */
export interface GroupSpec {
  name: string;
  description: string;
  commands: Record<string, CommandSpec>;
}

type ValueOf<S extends OptionSpec> = S extends { type: 'boolean' }
  ? boolean
  : S extends { default: string } | { required: true }
    ? string
    : string | undefined;
export type Values<O extends Options> = { -readonly [K in keyof O]: ValueOf<O[K]> };
type StringKeys<O extends Options> = { [K in keyof O]: O[K] extends { type: 'string' } ? K : never }[keyof O] & string;
type Given<O extends Options, K extends keyof O, T> = O[K] extends { default: string } | { required: true }
  ? T
  : T | undefined;

export interface CommandLine<O extends Options> {
  values: Values<O>;
  positionals: string[];
}

/** Either the command line, read and checked, or the exit code the command must return now. */
export type Read<T> = (T & { exit?: undefined }) | { exit: number };

/** Validators for option values; each throws a usage error naming the option. */
export interface Checks<O extends Options> {
  /** A whole number in [min, max] (min defaults to 1). */
  wholeNumber<K extends StringKeys<O>>(name: K, range?: { min?: number; max?: number }): Given<O, K, number>;
  /** One of a fixed list of words. */
  oneOf<K extends StringKeys<O>, const C extends readonly string[]>(name: K, choices: C): Given<O, K, C[number]>;
  /** Any other check a command needs: the message says what was wrong. */
  fail(message: string): never;
}

class UsageError extends Error {}

/**
 * Reads `args` against `spec`; `check` validates values and returns what the command needs from
 * them. Returns `{ exit }` when the command must stop: after printing its help (0) or a usage
 * error (2).
 */
export function readCommandLine<const O extends Options, R extends object = object>(
  spec: CommandSpec<O>,
  args: string[],
  ctx: CommandContext,
  check?: (c: Checks<O>, line: CommandLine<O>) => R,
): Read<CommandLine<O> & R> {
  try {
    const line = parse(spec, args);
    if (line === 'help') {
      ctx.stdout.write(helpText(spec));
      return { exit: EXIT.ok };
    }
    const extra = check ? check(checksFor(spec, line.values as Record<string, unknown>), line) : ({} as R);
    return { ...line, ...extra };
  } catch (err) {
    if (err instanceof UsageError) return { exit: usageError(spec, ctx, err.message) };
    throw err;
  }
}

/**
 * Picks the sub-command of a group: `kinfinder token --help` prints the group's help (0), no
 * sub-command or an unknown one is a usage error (2).
 */
export function readSubcommand(
  group: GroupSpec,
  args: string[],
  ctx: CommandContext,
): Read<{ sub: string; spec: CommandSpec; rest: string[] }> {
  const [word, ...rest] = args;
  if (word === '--help' || word === '-h') {
    ctx.stdout.write(groupHelpText(group));
    return { exit: EXIT.ok };
  }
  const spec = word === undefined ? undefined : Object.hasOwn(group.commands, word) ? group.commands[word] : undefined;
  if (word !== undefined && spec) return { sub: word, spec, rest };
  const names = Object.keys(group.commands);
  const words = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names.join('');
  const problem =
    word === undefined
      ? `missing command: ${words}`
      : `unknown ${word.startsWith('-') ? 'option' : 'command'} '${word}' (expected ${words})`;
  ctx.stderr.write(`kinfinder ${group.name}: ${displaySafe(problem)}\n${groupUsage(group)}\n`);
  return { exit: EXIT.usage };
}

/** Prints `kinfinder <command>: <message>` and the usage line(s) on stderr; returns exit 2. */
export function usageError(spec: CommandSpec, ctx: CommandContext, message: string): number {
  // What was typed comes back in the message: shown escaped, never as terminal controls.
  ctx.stderr.write(`kinfinder ${spec.name}: ${displaySafe(message)}\n${usageLine(spec)}\n`);
  return EXIT.usage;
}

/** Prints one `kinfinder <command>: <message>` line per message on stderr; returns exit 1. */
export function runFailed(spec: { name: string }, ctx: CommandContext, ...messages: string[]): number {
  for (const m of messages) ctx.stderr.write(`kinfinder ${spec.name}: ${displaySafe(m)}\n`);
  return EXIT.failed;
}

/** Why a file system call on a path failed, in words (the errno code is not for people). */
export function pathProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return `cannot be read${code ? ` (${code})` : ''}`;
}

/** The paths among `paths` that cannot even be looked at, with why, as `path: why`. */
export async function unreachablePaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    try {
      await stat(p);
    } catch (err) {
      out.push(`${p}: ${pathProblem(err)}`);
    }
  }
  return out;
}

// ---- options several commands share -------------------------------------------------------

export const CONCURRENCY = {
  type: 'string',
  value: 'N',
  help: 'photos processed at once',
  defaultText: 'KINFINDER_CONCURRENCY or the core count',
} as const satisfies StringOption;

export const BACKENDS = ['auto', 'wasm', 'cpu', 'tfjs-node'] as const satisfies readonly BackendChoice[];
export const BACKEND = {
  type: 'string',
  value: 'NAME',
  help: `face-engine backend: ${BACKENDS.join(', ')}`,
  default: 'auto',
} as const satisfies StringOption;

// ---- parsing -------------------------------------------------------------------------------

const HELP: BooleanOption = { type: 'boolean', short: 'h', help: 'print this help and exit' };
const withHelp = (options: Options): Options => ({ ...options, help: HELP });

function parseArgsOptions(options: Options) {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }> = {};
  for (const [name, o] of Object.entries(withHelp(options))) {
    out[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      default: o.type === 'boolean' ? false : o.default,
    };
    if (out[name].default === undefined) delete out[name].default;
  }
  return out;
}

function parse<O extends Options>(spec: CommandSpec<O>, args: string[]): CommandLine<O> | 'help' {
  const options = parseArgsOptions(spec.options);
  // First a lenient pass, to find --help anywhere and to say in our words what is wrong; the
  // strict pass below then only types the values.
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return 'help';
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const o = Object.hasOwn(spec.options, t.name) ? spec.options[t.name] : undefined;
    if (!o) throw new UsageError(`unknown option '${t.rawName}'`);
    if (o.type === 'boolean' && t.value !== undefined) throw new UsageError(`${t.rawName} takes no value`);
    if (o.type === 'string' && t.value === undefined) throw new UsageError(`${t.rawName} needs a value (${o.value})`);
    if (o.type === 'string' && !t.inlineValue && t.value?.startsWith('-')) {
      throw new UsageError(
        `${t.rawName} needs a value (${o.value}), not the option '${t.value}'; write ${t.rawName}=${t.value} if that is the value`,
      );
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const positionals = parsed.positionals;
  const { min = 0, max = Infinity } = spec.args ?? { max: 0 };
  if (positionals.length < min) throw new UsageError(`missing argument ${spec.args!.label}`);
  if (positionals.length > max) throw new UsageError(`unexpected argument '${positionals[max]}'`);
  for (const [name, o] of Object.entries(spec.options)) {
    if (o.type === 'string' && o.required && parsed.values[name] === undefined)
      throw new UsageError(`missing --${name} ${o.value}`);
  }
  const { help: _help, ...values } = parsed.values;
  return { values: values as Values<O>, positionals };
}

function checksFor<O extends Options>(spec: CommandSpec<O>, values: Record<string, unknown>): Checks<O> {
  const given = (name: string) => values[name] as string | undefined;
  return {
    wholeNumber(name, range = {}) {
      const { min = 1, max = Infinity } = range;
      const raw = given(name);
      if (raw === undefined) return undefined as never;
      const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        const expected = max === Infinity ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
        throw new UsageError(`--${name} must be ${expected}, not '${raw}'`);
      }
      return n as never;
    },
    oneOf(name, choices) {
      const raw = given(name);
      if (raw === undefined) return undefined as never;
      if (!choices.includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, not '${raw}'`);
      return raw as never;
    },
    fail(message) {
      throw new UsageError(message);
    },
  };
}

// ---- help text -----------------------------------------------------------------------------

const WIDTH = 100;

function optionSynopsis(name: string, o: OptionSpec): string {
  const flag = o.type === 'string' ? `--${name} ${o.value}` : `--${name}`;
  return o.type === 'string' && o.required ? flag : `[${flag}]`;
}

/** `usage: kinfinder ingest <path…> [--source NAME] …`, wrapped under the command name. */
export function usageLine(spec: CommandSpec, prefix = 'usage: '): string {
  const head = `${prefix}kinfinder ${spec.name}`;
  const words = [
    ...(spec.args ? [spec.args.label] : []),
    ...Object.entries(spec.options).map(([n, o]) => optionSynopsis(n, o)),
  ];
  const lines = [head];
  for (const w of words) {
    if (lines.at(-1)!.length + 1 + w.length > WIDTH) lines.push(' '.repeat(head.length));
    lines[lines.length - 1] += ` ${w}`;
  }
  return lines.join('\n');
}

/** Wraps each line of `text` longer than WIDTH at spaces. */
function wrap(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const out = [''];
      for (const word of line.split(' ')) {
        if (out.at(-1)!.length > 0 && out.at(-1)!.length + 1 + word.length > WIDTH) out.push('');
        out[out.length - 1] += out.at(-1)!.length > 0 ? ` ${word}` : word;
      }
      return out.join('\n');
    })
    .join('\n');
}

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n');
}

export function helpText(spec: CommandSpec): string {
  const options: Array<[string, string]> = Object.entries(withHelp(spec.options)).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value}` : ''}`;
    const dflt = o.type === 'string' ? (o.defaultText ?? o.default) : undefined;
    const note = o.type === 'string' && o.required ? ' (required)' : dflt !== undefined ? ` (default: ${dflt})` : '';
    return [flag, `${o.help}${note}`];
  });
  const parts = [usageLine(spec), '', wrap(spec.description)];
  if (spec.args) parts.push('', 'arguments:', table([[spec.args.label, spec.args.help]]));
  parts.push('', 'options:', table(options));
  parts.push(
    '',
    'exit status:',
    table([
      ['0', spec.exits.ok],
      ['1', spec.exits.failed],
      ['2', 'the command line was wrong (the message says what)'],
    ]),
  );
  return `${parts.join('\n')}\n`;
}

function groupUsage(group: GroupSpec): string {
  return Object.values(group.commands)
    .map((spec, i) => usageLine(spec, i === 0 ? 'usage: ' : '       '))
    .join('\n');
}

export function groupHelpText(group: GroupSpec): string {
  const rows = Object.entries(group.commands).map(([word, spec]): [string, string] => [
    word,
    spec.description.split('\n')[0]!,
  ]);
  return (
    `${groupUsage(group)}\n\n${wrap(group.description)}\n\ncommands:\n${table(rows)}\n\n` +
    `\`kinfinder ${group.name} <command> --help\` prints a command's arguments and options.\n`
  );
}
