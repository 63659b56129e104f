import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that spawn long command-line runs, started before everything else: on two cores the
 * suite's wall time is the longer of its two lanes, and a long file started last leaves one
 * core idle while it runs alone. vitest orders by the last run's durations where it has them
 * and by file size where it does not (CI's fresh clone), and these files are small for their
 * cost; the PostgreSQL run also reads the PGlite run's durations, where the PostgreSQL-only
 * 300-photo CLI batch (operators-cli) took no time at all.
 */
const START_FIRST = [
  'test/db/operators-cli.test.ts',
  'test/db/db-outage.test.ts',
  'test/db/ingest.test.ts',
  'test/db/backup.test.ts',
];

export class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = START_FIRST.indexOf(path.relative(f.project.config.root, f.moduleId).split(path.sep).join('/'));
      return i === -1 ? START_FIRST.length : i;
    };
    // Array.prototype.sort is stable: everything else keeps vitest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
