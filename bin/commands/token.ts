import { createToken } from '../../src/auth/tokens.ts';
import { recordAudit } from '../../src/store/audit.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openDatabase } from '../../src/store/open.ts';
import { revokeToken, type Role } from '../../src/store/tokens.ts';
import { readCommandLine, readSubcommand, type CommandSpec, type GroupSpec, type Read } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';

const ROLES = ['operator', 'verifier', 'admin'] as const satisfies readonly Role[];
const CREATE = {
  name: 'token create',
  description: 'Creates an access token and prints it once (only its hash is stored).',
  options: {
    role: { type: 'string', value: ROLES.join('|'), help: 'what the token may do', required: true },
    name: { type: 'string', value: 'NAME', help: 'who holds it, for the audit log', required: true },
    json: { type: 'boolean', help: 'print {"id","token","role","name"} as one JSON line' },
  },
  exits: { ok: 'the token was created and printed', failed: 'the database failed' },
} as const satisfies CommandSpec;
const REVOKE = {
  name: 'token revoke',
  description: 'Revokes an access token: it stops working at once.',
  args: { label: '<id>', help: 'the token id printed by `token create`', min: 1, max: 1 },
  options: {},
  exits: { ok: 'the token was revoked', failed: 'there is no such token, or the database failed' },
} as const satisfies CommandSpec;
const TOKEN: GroupSpec = { name: 'token', description: 'Access tokens for the API and the web pages.', commands: { create: CREATE, revoke: REVOKE } };

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readTokenCommandLine(args, ctx);
  if (cli.exit !== undefined) return cli.exit;
  const { sub, values, positionals } = cli;
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

function readTokenCommandLine(args: string[], ctx: CommandContext): Read<{ sub: string; values: { role?: Role; name?: string; json?: boolean }; positionals: string[] }> {
  const picked = readSubcommand(TOKEN, args, ctx);
  if (picked.exit !== undefined) return picked;
  if (picked.sub === 'create') {
    return readCommandLine(CREATE, picked.rest, ctx, (c, { values }) => {
      if (!values.name.trim()) c.fail('--name must not be empty');
      return { sub: 'create', values: { ...values, role: c.oneOf('role', ROLES) } };
    });
  }
  return readCommandLine(REVOKE, picked.rest, ctx, (c, { positionals }) => {
    if (!/^[0-9a-f-]{36}$/i.test(positionals[0]!)) c.fail(`'${positionals[0]}' is not a token id`);
    return { sub: 'revoke', values: {} };
  });
}
