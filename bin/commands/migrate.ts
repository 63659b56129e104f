import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../store.ts';
import { readCommandLine, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';

const MIGRATE = {
  name: 'migrate',
  description:
    'Applies the database migrations not yet applied (every command that opens the database also\ndoes this at start-up).',
  options: {},
  exits: {
    ok: 'the database is at the newest version',
    failed: 'the database could not be opened or a migration failed',
  },
} as const satisfies CommandSpec;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(MIGRATE, args, ctx);
  if (cli.exit !== undefined) return cli.exit;
  const db = await openStore(ctx.config);
  try {
    const r = await migrate(db);
    ctx.stdout.write(
      r.applied.length
        ? `applied migrations ${r.applied.join(', ')}; ${db.kind} database at version ${r.version}\n`
        : `${db.kind} database already at version ${r.version}\n`,
    );
    return EXIT.ok;
  } finally {
    await db.close();
  }
}
