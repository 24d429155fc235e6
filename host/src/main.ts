#!/usr/bin/env -S node --no-node-snapshot
// `jobhook`: the host's command line. isolated-vm needs --no-node-snapshot, hence the shebang.
// Each command is imported only when run: loading all of them (Fastify, SQLite, the sandbox) costs
// about a second that `validate` or `events` should not pay.

const USAGE = `usage:
  jobhook serve [--plugins DIR] [--listen HOST:PORT] [--data-dir DIR] [--store postgres://…] [--retention 30d] [--insecure] [--platform-url URL] [--config FILE]
  jobhook dispatch [--plugins DIR] [--platform-url URL] [--config FILE] <event.json | ->
  jobhook validate <plugin-dir>…
  jobhook events list [--status S] [--job-id GUID] [--limit N] [--before ID] [--json] [--data-dir DIR]
  jobhook events show <id> [--json] [--data-dir DIR]
  jobhook deploy <plugin-folder | package.tgz> [--url URL] [--token-file FILE]
  jobhook undeploy <plugin-id> [--url URL] [--token-file FILE]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return (await import('./cli/serve-command.js')).serveCommand(rest, process.stderr);
    case 'dispatch':
      return (await import('./cli/dispatch-command.js')).dispatchCommand(rest, process.stdout, process.stderr);
    case 'events':
      return (await import('./cli/events-command.js')).eventsCommand(rest, process.stdout, process.stderr);
    case 'deploy':
      return (await import('./cli/deploy-command.js')).deployCommand(rest, process.stdout, process.stderr);
    case 'undeploy':
      return (await import('./cli/deploy-command.js')).undeployCommand(rest, process.stdout, process.stderr);
    case 'validate':
      return (await import('./cli/validate-command.js')).validateCommand(rest, process.stdout, process.stderr);
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`${command ? `unknown command '${command}'\n` : ''}${USAGE}\n`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
