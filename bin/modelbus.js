#!/usr/bin/env node
// Runs the TypeScript CLI directly (no build step), through tsx's loader: for development.
// Production runs the compiled CLI instead (`npm run build`, then `node dist/src/cli.js` or
// `npm run start:prod`), without tsx's loader thread and its ≈ 46 MB of RSS (docs/operations.md, "Production build").
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
