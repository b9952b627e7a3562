#!/usr/bin/env node
// Übung 2B (first name → gender): `pnpm --filter @fackel/example-names start -- --help`
import { programArgs } from '@fackel/example-report';
import { runCli } from './cli.js';

process.exitCode = await runCli(programArgs());
