import { parseArgs } from 'node:util';
import { createToken } from '../../src/auth/tokens.ts';
import { recordAudit } from '../../src/store/audit.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openDatabase } from '../../src/store/open.ts';
import { revokeToken, type Role } from '../../src/store/tokens.ts';
import { EXIT, type CommandContext } from '../context.ts';

const USAGE = 'usage: kinfinder token create --role operator|verifier|admin --name NAME [--json]\n       kinfinder token revoke ID';
const ROLES: Role[] = ['operator', 'verifier', 'admin'];

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const valid =
    (sub === 'create' && positionals.length === 0 && ROLES.includes(values.role as Role) && Boolean(values.name?.trim())) ||
    (sub === 'revoke' && positionals.length === 1 && /^[0-9a-f-]{36}$/i.test(positionals[0]!));
  if (!valid) {
    ctx.stderr.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  const db = await openDatabase(ctx.config);
  try {
    await migrate(db);
    const cli = { id: null, role: 'cli' };
    if (sub === 'create') {
      const t = await db.transaction(async (tx) => {
        const created = await createToken(tx, { role: values.role as Role, name: values.name!.trim() });
        await recordAudit(tx, cli, { action: 'token.create', subjectType: 'token', subjectId: created.row.id, details: { role: values.role } });
        return created;
      });
      if (values.json) ctx.stdout.write(`${JSON.stringify({ id: t.row.id, token: t.token, role: t.row.role, name: t.row.name })}\n`);
      else ctx.stdout.write(`${t.token}\n(id ${t.row.id}, role ${t.row.role}; shown once: store it now)\n`);
      return EXIT.ok;
    }
    const id = positionals[0]!;
    const row = await db.transaction(async (tx) => {
      const r = await revokeToken(tx, id);
      if (r) await recordAudit(tx, cli, { action: 'token.revoke', subjectType: 'token', subjectId: id });
      return r;
    });
    if (!row) {
      ctx.stderr.write(`kinfinder token: no token ${id}\n`);
      return EXIT.failed;
    }
    ctx.stdout.write(`revoked ${id}\n`);
    return EXIT.ok;
  } finally {
    await db.close();
  }
}
