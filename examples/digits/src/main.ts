#!/usr/bin/env node
// The CNN lesson: `pnpm --filter @fackel/example-digits start -- --help`
import { programArgs } from '@fackel/example-report';
import { runCli } from './cli.js';

process.exitCode = await runCli(programArgs());
