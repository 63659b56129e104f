import { readFileSync, readlinkSync } from 'node:fs';

/**
 * The CPU time one thread has used, so a face-engine task's bound can count the engine's work
 * rather than the wall clock (issue 32): on a crowded machine a thread that is merely starved of
 * CPU must not be taken for a stuck one. Linux only (/proc); elsewhere the bound is wall time.
 */

/** In a worker thread: where its own CPU time can be read, or undefined where /proc is not Linux's. */
export function ownThreadClock(): string | undefined {
  try {
    return `/proc/${readlinkSync('/proc/thread-self')}/stat`; // "<pid>/task/<tid>"
  } catch {
    return undefined;
  }
}

// /proc reports in clock ticks of USER_HZ, which Linux fixes at 100 for every program.
const MS_PER_TICK = 10;

/** The user + system CPU time (ms) of the thread whose stat file is `clock`; undefined once it is gone. */
export function threadCpuMs(clock: string): number | undefined {
  try {
    const stat = readFileSync(clock, 'latin1');
    // After the command name (which may hold spaces and parentheses): state, ppid, … utime is the 12th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * MS_PER_TICK : undefined;
  } catch {
    return undefined;
  }
}
