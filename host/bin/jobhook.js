#!/usr/bin/env node
// The `jobhook` command. A committed file (not dist/) so npm links the bin at install time, before
// `prepare` builds dist/. No flags here: sandboxes run in worker processes started with
// --no-node-snapshot; a host configured to run them in-process restarts itself with it (cli/relaunch.ts).
import '../dist/main.js';
