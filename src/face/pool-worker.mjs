// worker_threads entry for the face pool. Plain JS so Node can load it directly; it registers
// tsx in this thread (the parent's loader hooks are not inherited) and then loads the TS worker.
import { register } from 'tsx/esm/api';

register();
await import('./pool-worker-main.ts');
