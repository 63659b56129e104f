import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, whileUnavailable } from '../../src/store/unavailable.ts';

// Pure: which failures mean "the database is down or restarting" (wait and resume) and which
// are real errors (fail now). A wrong answer either crashes a worker during an outage or makes
// it retry a bad statement for ever.
describe('isDatabaseUnavailable', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it('connection failures, shutdowns and pool time-outs are outages', () => {
    for (const e of [
      withCode('ECONNREFUSED'),
      withCode('ECONNRESET'),
      withCode('ECONNABORTED'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P03', 'the database system is starting up'),
      withCode('08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('wrapped', { cause: withCode('ECONNREFUSED') }),
      new AggregateError([withCode('ECONNREFUSED')], 'connect'),
    ])
      expect(isDatabaseUnavailable(e), String((e as Error).message)).toBe(true);
  });

  it('statement errors are not', () => {
    for (const e of [
      withCode('23505', 'duplicate key'),
      withCode('42P01', 'relation does not exist'),
      new Error('boom'),
      null,
      'text',
    ]) {
      expect(isDatabaseUnavailable(e)).toBe(false);
    }
  });

  it('whileUnavailable waits through outages and throws anything else at once', async () => {
    let calls = 0;
    const waited: number[] = [];
    const value = await whileUnavailable(
      async () => {
        calls++;
        if (calls < 3) throw withCode('ECONNREFUSED');
        return 'ok';
      },
      { initialMs: 1, maxMs: 2, onWait: (_e, attempt) => waited.push(attempt) },
    );
    expect(value).toBe('ok');
    expect(waited).toEqual([0, 1]);
    await expect(
      whileUnavailable(
        async () => {
          throw withCode('23505', 'duplicate key');
        },
        { initialMs: 1 },
      ),
    ).rejects.toThrow('duplicate key');
  });
});
