import { CLI } from '../../src/access/principal.ts';
import { issueToken, listTokens, revokeToken, tokenListItem } from '../../src/access/tokens.ts';
import { displaySafe } from '../../src/display.ts';
import { isKinfinderError } from '../../src/errors.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../store.ts';
import { STAFF_ROLES, type StaffRole } from '../../src/vocabulary.ts';
import { readCommandLine, readSubcommand, type CommandSpec, type GroupSpec, type Read } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';

const CREATE = {
  name: 'token create',
  description: 'Creates an access token and prints it once (only its hash is stored).',
  options: {
    role: { type: 'string', value: STAFF_ROLES.join('|'), help: 'what the token may do', required: true },
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
const LIST = {
  name: 'token list',
  description: 'Lists staff tokens, newest first: id, role, who holds it, created, last used (never a secret).',
  options: {
    revoked: { type: 'boolean', help: 'include revoked tokens' },
    json: {
      type: 'boolean',
      help: 'print {"items":[{id,role,name,personId,createdAt,lastUsedAt,revokedAt}]} (as GET /api/v1/tokens)',
    },
  },
  exits: { ok: 'the tokens were listed', failed: 'the database failed' },
} as const satisfies CommandSpec;
const TOKEN: GroupSpec = {
  name: 'token',
  description: 'Access tokens for the API and the web pages.',
  commands: { create: CREATE, list: LIST, revoke: REVOKE },
};

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readTokenCommandLine(args, ctx);
  if (cli.exit !== undefined) return cli.exit;
  const { sub, values, positionals } = cli;
  const db = await openStore(ctx.config);
  try {
    await migrate(db);
    if (sub === 'create') {
      const t = await issueToken({ db }, CLI, { role: values.role as StaffRole, name: values.name! });
      if (values.json) ctx.stdout.write(`${JSON.stringify(t)}\n`);
      else ctx.stdout.write(`${t.token}\n(id ${t.id}, role ${t.role}; shown once: store it now)\n`);
      return EXIT.ok;
    }
    if (sub === 'list') {
      const rows = await listTokens({ db }, CLI, { includeFamily: false, includeRevoked: values.revoked ?? false });
      const items = rows.map(tokenListItem);
      if (values.json) ctx.stdout.write(`${JSON.stringify({ items })}\n`);
      else if (items.length === 0) ctx.stdout.write('no token\n');
      else
        for (const t of items)
          ctx.stdout.write(
            `${t.id}  ${t.role.padEnd(8)}  ${displaySafe(t.name)}  created ${t.createdAt.slice(0, 16)}Z, ` +
              `${t.lastUsedAt ? `last used ${t.lastUsedAt.slice(0, 16)}Z` : 'never used'}` +
              `${t.revokedAt ? `, revoked ${t.revokedAt.slice(0, 16)}Z` : ''}\n`,
          );
      return EXIT.ok;
    }
    const id = positionals[0]!;
    try {
      await revokeToken({ db }, CLI, id);
    } catch (err) {
      if (!isKinfinderError(err) || err.code !== 'not_found') throw err;
      ctx.stderr.write(`kinfinder token revoke: no token ${id}\n`);
      return EXIT.failed;
    }
    ctx.stdout.write(`revoked ${id}\n`);
    return EXIT.ok;
  } finally {
    await db.close();
  }
}

function readTokenCommandLine(
  args: string[],
  ctx: CommandContext,
): Read<{
  sub: string;
  values: { role?: StaffRole; name?: string; json?: boolean; revoked?: boolean };
  positionals: string[];
}> {
  const picked = readSubcommand(TOKEN, args, ctx);
  if (picked.exit !== undefined) return picked;
  if (picked.sub === 'create') {
    return readCommandLine(CREATE, picked.rest, ctx, (c, { values }) => {
      if (!values.name.trim()) c.fail('--name must not be empty');
      return { sub: 'create', values: { ...values, role: c.oneOf('role', STAFF_ROLES) } };
    });
  }
  if (picked.sub === 'list')
    return readCommandLine(LIST, picked.rest, ctx, (_c, { values }) => ({ sub: 'list', values }));
  return readCommandLine(REVOKE, picked.rest, ctx, (c, { positionals }) => {
    if (!/^[0-9a-f-]{36}$/i.test(positionals[0]!)) c.fail(`'${positionals[0]}' is not a token id`);
    return { sub: 'revoke', values: {} };
  });
}
