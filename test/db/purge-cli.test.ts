// `kinfinder purge` on the command line: the retention period is required, and the report is
// one JSON line. (What a purge removes is test/retention.test.ts.)
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { createDeployment } from '../support/deployment.ts';

const dep = createDeployment();
afterAll(async () => {
  await dep.destroy();
});

describe(`kinfinder purge on ${dep.kind}`, () => {
  it('needs a retention period, from the environment or --days', { timeout: 120_000 }, async () => {
    const none = await runCli(['purge', '--dry-run'], dep.env());
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/KINFINDER_CASE_RETENTION_DAYS/);
    const bad = await runCli(['purge', '--days', '0'], dep.env());
    expect(bad.code).toBe(2);
    const r = await runCli(['purge', '--dry-run', '--json'], dep.env({ KINFINDER_CASE_RETENTION_DAYS: '30' }));
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim()) as { dryRun: boolean; retentionDays: number; totals: { cases: number } };
    expect(report).toMatchObject({ dryRun: true, retentionDays: 30, totals: { cases: 0 } });
    const bad2 = await runCli(['purge'], dep.env({ KINFINDER_CASE_RETENTION_DAYS: 'soon' }));
    expect(bad2.code).toBe(1);
    expect(bad2.stderr).toMatch(/KINFINDER_CASE_RETENTION_DAYS/);
  });
});
