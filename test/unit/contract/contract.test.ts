// The wire contract is declared once, in @jobhook/sdk/contract. These checks hold what the host
// really serves and sends against it, so a schema or list re-declared anywhere (one enum member
// missing, a field renamed) fails here.
import { expect } from 'chai';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  errorInfoSchema,
  jobCompletionSchema,
  OUTCOMES,
  outcomeEnumSchema,
  PLUGIN_STATES,
  pluginStateSchema,
  problemSchema,
  SANDBOX_OUTCOMES,
  WIRE_EVENT_FIELDS,
  wireEventSchema,
  type JsonSchema,
  type Outcome,
} from '@jobhook/sdk/contract';
import { normalizeEvent } from '@jobhook/host';
import { ServiceMetrics } from '../../../host/dist/api/metrics/service-metrics.js';
import { isInvokeResult } from '../../../host/dist/sandbox/process/worker-protocol.js';
import { event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { request, startTestService, type TestService } from '../../support/service-harness.js';

/** A shared schema as the OpenAPI document shows it: a component, named by its `$id`, without it. */
const asComponent = (schema: JsonSchema): JsonSchema => {
  const { $id: _id, ...rest } = schema;
  return rest;
};

describe('the wire contract', () => {
  describe('in the OpenAPI document the service serves', function () {
    this.timeout(30_000);
    let tmp: TempDir;
    let svc: TestService;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let doc: any;

    before(async () => {
      tmp = await tempDir('jobhook-contract-');
      const plugins = path.join(tmp.path, 'plugins');
      await writePlugin(plugins, 'ok', manifest('t.ok'), handlerBundle('return true;'));
      svc = await startTestService(plugins, path.join(tmp.path, 'data'));
      const res = await request(`${svc.url}/openapi.json`);
      expect(res.status).to.equal(200);
      doc = res.body;
    });
    after(async () => {
      await svc?.close();
      await tmp?.dispose();
    });

    it('has the event as posted and as stored, exactly the contract schemas', () => {
      expect(doc.components.schemas.JobCompletion).to.deep.equal(asComponent(jobCompletionSchema));
      expect(doc.components.schemas.WireEvent).to.deep.equal(asComponent(wireEventSchema));
      expect(doc.paths['/v1/job-completions'].post.requestBody.content['application/json'].schema.$ref).to.equal('#/components/schemas/JobCompletion');
      expect(doc.components.schemas.EventRecord.properties.event.$ref).to.equal('#/components/schemas/WireEvent');
    });

    it("has the contract's outcome list wherever an outcome appears", () => {
      const outcome = doc.components.schemas.Outcome.properties;
      expect(outcome.outcome).to.deep.equal(outcomeEnumSchema);
      expect(doc.components.schemas.Plugin.properties.lastFailure.properties.outcome).to.deep.equal(outcomeEnumSchema);
      expect(doc.components.schemas.Plugin.properties.invocations.required).to.deep.equal([...OUTCOMES]);
      expect(Object.keys(doc.components.schemas.Plugin.properties.invocations.properties)).to.deep.equal([...OUTCOMES]);
      const listOutcome = doc.paths['/v1/job-completions'].get.parameters.find((p: { name: string }) => p.name === 'outcome');
      expect(listOutcome.schema.enum).to.deep.equal([...OUTCOMES]);
      const replayOutcome = doc.paths['/v1/plugins/{id}/replay'].post.parameters.find((p: { name: string }) => p.name === 'outcome');
      expect(replayOutcome.schema.items.enum).to.deep.equal([...OUTCOMES]);
    });

    it("has the contract's plugin states, error info and problems", () => {
      const plugin = doc.components.schemas.Plugin.properties;
      expect(plugin.state).to.deep.equal(pluginStateSchema);
      expect(pluginStateSchema.enum).to.deep.equal([...PLUGIN_STATES]);
      expect(doc.components.schemas.Outcome.properties.error).to.deep.equal(errorInfoSchema);
      expect(plugin.handlers.items.properties.error).to.deep.include(errorInfoSchema);
      expect(plugin.lastError.required).to.include.members([...errorInfoSchema.required]);
      expect(plugin.lastError.properties).to.deep.include(errorInfoSchema.properties);
      const error = doc.components.schemas.Error.properties.error;
      expect(error.required).to.deep.equal([...errorInfoSchema.required]);
      expect(Object.keys(error.properties)).to.include.members(Object.keys(errorInfoSchema.properties));
      expect(error.properties.message).to.deep.equal(errorInfoSchema.properties.message);
      expect(error.properties.problems.items).to.deep.equal(problemSchema);
    });

    it('answers an event record whose event the contract schema accepts, and a bad event with problems the contract schema accepts', async () => {
      const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
      addFormats.default(ajv);
      const accepted = await request(`${svc.url}/v1/job-completions?wait=5000`, { method: 'POST', body: event() });
      expect(accepted.status).to.be.oneOf([200, 202]);
      const record = await request(`${svc.url}/v1/job-completions/${accepted.body.id}`);
      const validEvent = ajv.compile(wireEventSchema);
      expect(validEvent(record.body.event), JSON.stringify(validEvent.errors)).to.equal(true);
      expect(Object.keys(record.body.event)).to.deep.equal(WIRE_EVENT_FIELDS.filter((f) => f in record.body.event));

      const refused = await request(`${svc.url}/v1/job-completions`, { method: 'POST', body: event(undefined, { jobResult: 'Sideways' }) });
      expect(refused.status).to.equal(400);
      const validError = ajv.compile({ ...errorInfoSchema, properties: { ...errorInfoSchema.properties, problems: { type: 'array', items: problemSchema } } });
      expect(validError(refused.body.error), JSON.stringify(validError.errors)).to.equal(true);
    });
  });

  describe('in the worker protocol', () => {
    const failure = { name: 'Error', code: 'X', message: 'x' };

    it("accepts an invoke answer with each outcome a sandbox can give, and no other", () => {
      expect(SANDBOX_OUTCOMES).to.deep.equal(OUTCOMES.filter((o) => o !== 'rejected'));
      for (const outcome of OUTCOMES) {
        expect(isInvokeResult({ outcome, error: failure }), outcome).to.equal((SANDBOX_OUTCOMES as readonly string[]).includes(outcome));
      }
      expect(isInvokeResult({ outcome: 'succeeded' })).to.equal(true);
      expect(isInvokeResult({ outcome: 'exploded', error: failure })).to.equal(false);
    });
  });

  describe('in the metrics', () => {
    it("counts invocations under exactly the contract's outcomes, and labels each with its outcome", async () => {
      const metrics = new ServiceMetrics();
      expect(Object.keys(metrics.invocations('t.none'))).to.deep.equal([...OUTCOMES]);
      OUTCOMES.forEach((outcome: Outcome, i) => metrics.handlerOutcome({ plugin: 't.all', version: '1.0.0', handler: 'H', outcome, durationMs: 1, invocationId: `i${i}` }));
      expect(metrics.invocations('t.all')).to.deep.equal(Object.fromEntries(OUTCOMES.map((o) => [o, 1])));
      const labels = [...(await metrics.text()).matchAll(/^jobhook_handler_outcomes_total\{[^}]*outcome="([^"]+)"[^}]*\} 1$/gm)].map((m) => m[1]);
      expect(labels).to.have.members([...OUTCOMES]);
    });
  });

  describe('in the event validator', () => {
    it("reads exactly the contract's event fields, and its output passes the contract schema", () => {
      const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
      addFormats.default(ajv);
      const normalised = normalizeEvent({ ...event(), source: 'poll', jobHistoryId: 7, requestTimestamp: '2026-01-15T08:30:00Z' });
      expect(Object.keys(normalised)).to.deep.equal([...WIRE_EVENT_FIELDS]);
      expect(ajv.validate(wireEventSchema, normalised), JSON.stringify(ajv.errors)).to.equal(true);
      try {
        normalizeEvent({ ...event(), extra: 1 });
        expect.fail('an unknown field passed');
      } catch (e) {
        expect((e as Error).message).to.include(`expected one of ${WIRE_EVENT_FIELDS.join(', ')}`);
      }
    });
  });
});
