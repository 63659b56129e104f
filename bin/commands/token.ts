import { parseArgs } from 'node:util';
import { CLI } from '../../src/access/principal.ts';
import { issueToken, revokeToken } from '../../src/access/tokens.ts';
import { isKinfinderError } from '../../src/errors.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openDatabase } from '../../src/store/open.ts';
import { STAFF_ROLES, type StaffRole } from '../../src/vocabulary.ts';
import { EXIT, type CommandContext } from '../context.ts';

const USAGE = 'usage: kinfinder token create --role operator|verifier|admin --name NAME [--json]\n       kinfinder token revoke ID';

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const valid =
    (sub === 'create' && positionals.length === 0 && (STAFF_ROLES as readonly string[]).includes(values.role ?? '') && Boolean(values.name?.trim())) ||
    (sub === 'revoke' && positionals.length === 1 && /^[0-9a-f-]{36}$/i.test(positionals[0]!));
  if (!valid) {
    ctx.stderr.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  const db = await openDatabase(ctx.config);
  try {
    await migrate(db);
    if (sub === 'create') {
      const t = await issueToken({ db }, CLI, { role: values.role as StaffRole, name: values.name! });
      if (values.json) ctx.stdout.write(`${JSON.stringify(t)}\n`);
      else ctx.stdout.write(`${t.token}\n(id ${t.id}, role ${t.role}; shown once: store it now)\n`);
      return EXIT.ok;
    }
    const id = positionals[0]!;
    try {
      await revokeToken({ db }, CLI, id);
    } catch (err) {
      if (!isKinfinderError(err) || err.code !== 'not_found') throw err;
      ctx.stderr.write(`kinfinder token: no token ${id}\n`);
      return EXIT.failed;
    }
    ctx.stdout.write(`revoked ${id}\n`);
    return EXIT.ok;
  } finally {
    await db.close();
  }
}
