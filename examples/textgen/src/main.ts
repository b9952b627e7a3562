#!/usr/bin/env node
// Übung 3 (Textgenerierung): `pnpm --filter @fackel/example-textgen start -- --help`
import { programArgs } from '@fackel/example-report';
import { runCli } from './cli.js';

process.exitCode = await runCli(programArgs());
