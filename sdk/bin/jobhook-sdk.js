#!/usr/bin/env node
// The `jobhook-sdk` command. A committed file (not dist/) so npm links the bin at install time,
// before `prepare` builds dist/.
import '../dist/cli/main.js';
