#!/usr/bin/env node
// The operator's command. BzCtrl runs its TypeScript sources directly through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
