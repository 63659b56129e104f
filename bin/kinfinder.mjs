#!/usr/bin/env node
// Launcher: kinfinder is TypeScript run through tsx, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./kinfinder.ts');
process.exitCode = await main(process.argv.slice(2));
