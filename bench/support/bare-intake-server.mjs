// The floor of bench/intake's ack latency: a server that answers POST /v1/job-completions with the
// host's 202 (same headers, same body shape) as soon as it has read and parsed the body, doing no
// other work. Run as its own process, like the host is to the load generator, so the figure is the
// generator, the loopback and Node's HTTP stack, nothing of JobHook's.
//   node bare-intake-server.mjs http      bare node:http
//   node bare-intake-server.mjs fastify   one Fastify route, no schemas, no logger
// Prints its URL as one line on stdout; exits when stdin closes.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { fastify } from 'fastify';

const kind = process.argv[2] ?? 'http';

function answer() {
  const id = randomUUID();
  return { id, location: `/v1/job-completions/${id}`, body: JSON.stringify({ id, status: 'pending' }) };
}

let url;
let close;
if (kind === 'http') {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const a = answer();
      res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(a.body), location: a.location });
      res.end(a.body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}`;
  close = () => server.close();
} else if (kind === 'fastify') {
  const app = fastify({ logger: false });
  app.post('/v1/job-completions', async (_request, reply) => {
    const a = answer();
    reply.header('location', a.location);
    return reply.code(202).send({ id: a.id, status: 'pending' });
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  close = () => app.close();
} else {
  throw new Error(`unknown server kind '${kind}' (http | fastify)`);
}
process.stdout.write(`${url}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  close();
  process.exit(0);
});
