import { parseArgs } from 'node:util';
import { migrate } from '../../src/store/migrate.ts';
import { openDatabase } from '../../src/store/open.ts';
import { EXIT, type CommandContext } from '../context.ts';

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  parseArgs({ args, options: {}, allowPositionals: false });
  const db = await openDatabase(ctx.config);
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
