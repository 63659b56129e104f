// Piscina's worker entry for the face pool. Plain JS so Node can load it directly; it registers
// tsx in this thread (the parent's loader hooks are not inherited) and then loads the TS worker.
// The default export is a promise of the task handler, which piscina awaits: no top-level await,
// so Node's require(esm), which piscina tries first, loads this module without complaint.
import { register } from 'tsx/esm/api';

register();
export default import('./pool-worker-main.ts').then((m) => m.default);
