// examples/lambda-selfinvoke: a TypeScript handler on an `ack: sync` HTTP route answers 202 with
// the id of an asynchronous invocation of itself (InvokeCommand, InvocationType 'Event', through
// AWS_ENDPOINT_URL_LAMBDA), and that invocation does work that takes longer than 30 s.
// Run: LONGHAUL_BINARY=/path/to/longhaul node --test selfinvoke.test.mjs   (in tests/node)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { build } from 'esbuild';

import { nodeTestsDir, startServer } from './lib/server.mjs';

const exampleDir = join(nodeTestsDir, '../../examples/lambda-selfinvoke');
const ric = join(nodeTestsDir, 'node_modules/.bin/aws-lambda-ric');

// The requirement: the work runs for more than 30 s.
const WORK_SECONDS = 31;

describe('examples/lambda-selfinvoke', () => {
  let server;
  let distDir;

  before(async () => {
    // Bundle the example the way its `npm run build` does, with tests/node's packages.
    distDir = mkdtempSync(join(tmpdir(), 'longhaul-selfinvoke-'));
    await build({
      entryPoints: [join(exampleDir, 'handler.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      mainFields: ['module', 'main'],
      nodePaths: [join(nodeTestsDir, 'node_modules')],
      outfile: join(distDir, 'index.mjs'),
      logLevel: 'silent',
    });
    server = await startServer(
      'functions:\n' +
        '  selfinvoke:\n' +
        '    runtime: lambda\n' +
        `    command: [${JSON.stringify(ric)}]\n` +
        '    handler: index.handler\n' +
        `    working_dir: ${JSON.stringify(distDir)}\n` +
        '    timeout: 5m\n' +
        '    concurrency: 4\n' +
        '    retries: 0\n' +
        'routes:\n' +
        '  - path: /work\n' +
        '    method: POST\n' +
        '    function: selfinvoke\n' +
        '    ack: sync\n',
    );
  });

  after(async () => {
    await server?.stop();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  test('POST /work answers 202 and the Event invocation of itself runs > 30 s', async () => {
    const res = await fetch(`${server.url}/work?seconds=${WORK_SECONDS}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ video: 'cat.mp4' }),
    });
    const text = await res.text();
    assert.equal(res.status, 202, `${text}\n${server.log()}`);
    const httpJobId = res.headers.get('x-longhaul-job-id');
    assert.ok(httpJobId, 'the HTTP invocation is a job');
    const accepted = JSON.parse(text);
    assert.equal(accepted.seconds, WORK_SECONDS);
    assert.equal(accepted.acceptedBy, httpJobId, 'context.awsRequestId is the job id');
    const workId = accepted.id;
    assert.match(workId, /^[0-9A-Z]{26}$/, 'the Event invocation\'s request id');
    assert.notEqual(workId, httpJobId);

    // The Event invocation is a job of its own, made through the Invoke API.
    const queued = await (await fetch(`${server.adminUrl}/jobs/${workId}`)).json();
    assert.equal(queued.function, 'selfinvoke');
    assert.equal(queued.request.path, '/2015-03-31/functions/selfinvoke/invocations');
    assert.equal(queued.request.headers['x-amz-invocation-type'], 'Event');
    assert.deepEqual(JSON.parse(queued.request.body), {
      kind: 'work',
      seconds: WORK_SECONDS,
      input: { video: 'cat.mp4' },
      acceptedBy: httpJobId,
    });

    // Long-poll its result (the admin API caps a wait at 15 minutes; ctest's TIMEOUT is the
    // bound on the whole test).
    const result = await fetch(`${server.adminUrl}/jobs/${workId}/result?wait=4m`);
    const resultText = await result.text();
    assert.equal(result.status, 200, `${resultText}\n${server.log()}`);
    const expected = {
      status: 'done',
      seconds: WORK_SECONDS,
      input: { video: 'cat.mp4' },
      acceptedBy: httpJobId,
      requestId: workId,
    };
    assert.deepEqual(JSON.parse(resultText), expected);

    const job = await (await fetch(`${server.adminUrl}/jobs/${workId}`)).json();
    assert.equal(job.state, 'succeeded');
    assert.equal(job.attempts, 1);
    assert.deepEqual(JSON.parse(job.result.body), expected);
    const ranMs = Date.parse(job.finished_at) - Date.parse(job.started_at);
    assert.ok(ranMs > 30000, `the work ran ${ranMs} ms (${job.started_at} .. ${job.finished_at})`);
    assert.match(job.stderr_tail, new RegExp(`work ${workId}: ${WORK_SECONDS} s, queued by`));
    assert.match(job.stderr_tail, new RegExp(`work ${workId}: done`));

    // The jobs list shows both invocations: the HTTP one (route /work) and the Event one.
    const list = await (await fetch(`${server.adminUrl}/jobs?function=selfinvoke`)).json();
    const byId = new Map(list.jobs.map((j) => [j.id, j]));
    assert.equal(byId.get(httpJobId)?.state, 'succeeded', JSON.stringify(list));
    assert.equal(byId.get(httpJobId)?.route, 'POST /work');
    assert.equal(byId.get(workId)?.state, 'succeeded', JSON.stringify(list));
    assert.equal(byId.get(workId)?.route, 'invoke');
    const httpJob = await (await fetch(`${server.adminUrl}/jobs/${httpJobId}`)).json();
    assert.equal(httpJob.result.status, 202);
    assert.deepEqual(JSON.parse(httpJob.result.body), accepted);
  });
});
