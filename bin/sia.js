#!/usr/bin/env node
// Node 20 cannot strip TypeScript types, so the CLI runs through tsx's loader (see README: dependencies).
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
