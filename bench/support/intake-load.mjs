// The load generator of bench/intake, run as its own process so it does not share the server's event
// loop: autocannon POSTs job-completion events, cycling through the given bodies, and prints one JSON
// line with what it measured. Usage: node intake-load.mjs '<json options>'
import autocannon from 'autocannon';

const { url, bodies, connections, seconds, rate, headers } = JSON.parse(process.argv[2]);
let next = 0;
const result = await autocannon({
  url,
  connections,
  duration: seconds,
  pipelining: 1,
  ...(rate ? { overallRate: rate } : {}),
  requests: [
    {
      method: 'POST',
      path: '/v1/job-completions',
      headers: { 'content-type': 'application/json', ...headers },
      setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
    },
  ],
});
const { latency, requests, non2xx, errors, timeouts, duration, statusCodeStats } = result;
process.stdout.write(`${JSON.stringify({ latency, requests, non2xx, errors, timeouts, duration, statusCodeStats })}\n`);
