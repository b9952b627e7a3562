#!/usr/bin/env node
// Übung 2A (NN als Klasse): `pnpm --filter @fackel/example-diabetes start -- --help`
import { programArgs } from '@fackel/example-report';
import { runCli } from './cli.js';

process.exitCode = await runCli(programArgs());
