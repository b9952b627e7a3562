#!/usr/bin/env node
// Übung 1 (Gradient Descent): `pnpm --filter @fackel/example-gradient-descent start -- --help`
import { programArgs } from '@fackel/example-report';
import { runCli } from './cli.js';

process.exitCode = await runCli(programArgs());
