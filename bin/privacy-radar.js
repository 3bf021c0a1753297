#!/usr/bin/env node
// The `privacy-radar` command. Node 24 runs the TypeScript sources directly (type stripping); no build step.
import { runAsProgram } from '../src/cli.ts';

await runAsProgram();
