/** Progress of an ingest run as a person reads it: counts, rate and time left. */
export interface ProgressState {
  total: number;
  done: number;
  failed: number;
  faces: number;
  elapsedSeconds: number;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatProgress(p: ProgressState, width = 24): string {
  const finished = p.done + p.failed;
  const fraction = p.total > 0 ? Math.min(1, finished / p.total) : 1;
  const filled = Math.round(fraction * width);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  const rate = p.elapsedSeconds > 0 ? finished / p.elapsedSeconds : 0;
  const eta = rate > 0 ? formatDuration((p.total - finished) / rate) : '?';
  const failed = p.failed > 0 ? ` · ${p.failed} failed` : '';
  return `[${bar}] ${finished}/${p.total} photos${failed} · ${p.faces} faces · ${rate.toFixed(1)} photos/s · ETA ${eta}`;
}
