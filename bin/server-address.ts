import fs from 'node:fs';
import path from 'node:path';

/**
 * Where a running `kinfinder serve` can be reached, written into its data directory. Commands
 * that need the embedded database while the server holds it (`kinfinder backup`) ask the server
 * instead of failing: PGlite admits one process.
 */
const FILE = 'serve.json';

export function announceServer(dataDir: string, host: string, port: number): () => void {
  const file = path.join(dataDir, FILE);
  // A server listening on every address is reached on loopback from this machine.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ url: `http://${reachable}:${port}`, pid: process.pid }), { mode: 0o600 });
  return () => {
    try {
      if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: number }).pid === process.pid)
        fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
}

/** The running server's address, if one announced itself and still runs. */
export function runningServer(dataDir: string): string | undefined {
  try {
    const { url, pid } = JSON.parse(fs.readFileSync(path.join(dataDir, FILE), 'utf8')) as {
      url?: string;
      pid?: number;
    };
    if (typeof url !== 'string' || typeof pid !== 'number') return undefined;
    process.kill(pid, 0);
    return url;
  } catch {
    return undefined;
  }
}
