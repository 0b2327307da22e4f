#!/usr/bin/env node
// The one `bzctrl` command: the server's serve, migrate and provision, and the client commands
// (login, todo) that src/cli.ts hands to @bzctrl/cli. Both run their TypeScript sources
// directly through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
