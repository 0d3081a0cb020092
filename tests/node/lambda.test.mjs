// longhaul's `runtime: lambda` with the official Node.js runtime interface client
// (aws-lambda-ric) and the AWS SDK for JavaScript v3, against the real binary.
// Run: LONGHAUL_BINARY=/path/to/longhaul node --test   (in tests/node; ctest does this)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { build } from 'esbuild';

import { nodeTestsDir, startServer } from './lib/server.mjs';

const ric = join(nodeTestsDir, 'node_modules/.bin/aws-lambda-ric');

// A function run by aws-lambda-ric: `command` + handler, in tests/node (or `workingDir`).
// `timeout` is generous where a cold start of another runtime happens inside the invocation: on
// a loaded CI machine aws-lambda-ric alone can take seconds to start.
function nodeFunction(name, handler, { workingDir = nodeTestsDir, extra = '', timeout = '20s' } = {}) {
  return (
    `  ${name}:\n` +
    '    runtime: lambda\n' +
    `    command: [${JSON.stringify(ric)}]\n` +
    `    handler: ${handler}\n` +
    `    working_dir: ${JSON.stringify(workingDir)}\n` +
    '    memory_mb: 256\n' +
    `    timeout: ${timeout}\n` +
    '    retries: 0\n' +
    extra
  );
}

function sdkClient(server) {
  return new LambdaClient({
    endpoint: server.adminUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
}

function decode(payload) {
  return JSON.parse(Buffer.from(payload).toString('utf8'));
}

describe('Node handlers under aws-lambda-ric', () => {
  let server;
  let tsDir;

  before(async () => {
    // Bundle the TypeScript handler the way one would deploy it.
    tsDir = mkdtempSync(join(tmpdir(), 'longhaul-ts-'));
    await build({
      entryPoints: [join(nodeTestsDir, 'fixtures/ts/greet.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(tsDir, 'greet.mjs'),
      logLevel: 'silent',
    });
    server = await startServer(
      'functions:\n' +
        nodeFunction('hello-node', 'fixtures/hello.handler') +
        nodeFunction('failing-node', 'fixtures/hello.fail') +
        nodeFunction('caller-node', 'fixtures/caller.handler', { timeout: '2m' }) +
        nodeFunction('greet-ts', 'greet.handler', { workingDir: tsDir }) +
        'routes:\n' +
        '  - path: /hello/{name}\n' +
        '    method: POST\n' +
        '    function: hello-node\n' +
        '    ack: sync\n' +
        '  - path: /fail\n' +
        '    method: POST\n' +
        '    function: failing-node\n' +
        '    ack: sync\n',
    );
  });

  after(async () => {
    await server?.stop();
    if (tsDir) rmSync(tsDir, { recursive: true, force: true });
  });

  test('an HTTP route reaches the handler and returns its result', async () => {
    const res = await fetch(`${server.url}/hello/world?q=1`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'ping',
    });
    const text = await res.text();
    assert.equal(res.status, 200, `${text}\n${server.log()}`);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('set-cookie'), 'flavor=node');
    const jobId = res.headers.get('x-longhaul-job-id');
    assert.equal(res.headers.get('x-request-id'), jobId, 'context.awsRequestId is the job id');
    const body = JSON.parse(text);
    assert.equal(body.message, 'hello from node');
    assert.equal(body.routeKey, 'POST /hello/{name}');
    assert.equal(body.path, '/hello/world');
    assert.equal(body.method, 'POST');
    assert.deepEqual(body.pathParameters, { name: 'world' });
    assert.equal(body.body, 'ping');
    assert.equal(body.functionName, 'hello-node');
    assert.equal(body.functionVersion, '$LATEST');
    assert.equal(body.memoryLimitInMB, '256');
    assert.equal(body.invokedFunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:hello-node');
    assert.equal(body.logGroupName, '/aws/lambda/hello-node');
    assert.ok(body.remainingMs > 0 && body.remainingMs <= 20000, `remaining ${body.remainingMs}`);

    const again = await fetch(`${server.url}/hello/again`, { method: 'POST', body: 'pong' });
    const second = JSON.parse(await again.text());
    assert.equal(second.pid, body.pid, 'the warm runtime process served both');

    const job = await (await fetch(`${server.adminUrl}/jobs/${jobId}`)).json();
    assert.match(job.stderr_tail, new RegExp(`START RequestId: ${jobId} Version: \\$LATEST`));
    assert.match(job.stderr_tail, /hello handler/);
    assert.match(job.stderr_tail, new RegExp(`REPORT RequestId: ${jobId}\\tDuration: `));
  });

  test('a throwing handler fails the route with 502, its error kept from the caller', async () => {
    const res = await fetch(`${server.url}/fail`, { method: 'POST', body: '{}' });
    const body = await res.json();
    assert.equal(res.status, 502);
    assert.equal(body.state, 'dead');
    assert.doesNotMatch(body.error, /this handler always fails/);
    const job = await (await fetch(`${server.adminUrl}/jobs/${body.id}`)).json();
    assert.match(job.last_error, /TypeError: this handler always fails/);
  });

  test('the AWS SDK invokes a function through the admin listener', async () => {
    const out = await sdkClient(server).send(
      new InvokeCommand({ FunctionName: 'hello-node', Payload: JSON.stringify({ direct: true }) }),
    );
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, undefined);
    assert.equal(out.ExecutedVersion, '$LATEST');
    const result = decode(out.Payload);
    assert.equal(result.statusCode, 200, 'the handler result, not mapped: this was no HTTP route');
    assert.deepEqual(JSON.parse(result.body).event, { direct: true });
  });

  test('the AWS SDK sees a function error', async () => {
    const out = await sdkClient(server).send(
      new InvokeCommand({ FunctionName: 'failing-node', Payload: '{}' }),
    );
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    const error = decode(out.Payload);
    assert.equal(error.errorType, 'TypeError');
    assert.equal(error.errorMessage, 'this handler always fails');
  });

  test('a handler reaches longhaul with the SDK through AWS_ENDPOINT_URL_LAMBDA', async () => {
    const out = await sdkClient(server).send(
      new InvokeCommand({
        FunctionName: 'caller-node',
        Payload: JSON.stringify({ target: 'greet-ts', value: 7 }),
      }),
    );
    assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
    const result = decode(out.Payload);
    assert.equal(result.calledStatus, 200);
    assert.equal(result.functionError, null);
    assert.deepEqual(result.payload, { greeting: 'hello, world', length: 5 });
  });

  test('a TypeScript handler bundled with esbuild runs', async () => {
    const out = await sdkClient(server).send(
      new InvokeCommand({ FunctionName: 'greet-ts', Payload: JSON.stringify({ name: 'longhaul' }) }),
    );
    assert.equal(out.FunctionError, undefined);
    assert.deepEqual(decode(out.Payload), { greeting: 'hello, longhaul', length: 8 });
  });
});

// An authenticating Invoke API (admin_token or lambda_access_keys) still lets in the SDK inside a
// function: longhaul gives functions a key of their own (config/function_key.h) instead of
// placeholders it would refuse.
for (const [setting, serverLines] of [
  ['admin_token', '  admin_token: tok-for-tests\n'],
  ['lambda_access_keys', '  lambda_access_keys:\n    AKIDLOCAL: localsecret\n'],
]) {
  describe(`a handler's SDK calls with ${setting} set`, () => {
    let server;
    before(async () => {
      server = await startServer(
        serverLines +
          'functions:\n' +
          nodeFunction('hello-node', 'fixtures/hello.handler') +
          nodeFunction('caller-node', 'fixtures/caller.handler', { timeout: '2m' }),
      );
    });
    after(async () => {
      await server?.stop();
    });

    test('reach the Invoke API', async () => {
      const url = `${server.adminUrl}/2015-03-31/functions/caller-node/invocations`;
      const body = JSON.stringify({ target: 'hello-node', value: 3 });
      let res;
      if (setting === 'admin_token') {
        res = await fetch(url, {
          method: 'POST',
          headers: { authorization: 'Bearer tok-for-tests' },
          body,
        });
      } else {
        const client = new LambdaClient({
          endpoint: server.adminUrl,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'localsecret' },
        });
        const out = await client.send(new InvokeCommand({ FunctionName: 'caller-node', Payload: body }));
        res = { status: out.StatusCode, text: async () => Buffer.from(out.Payload).toString('utf8') };
      }
      const text = await res.text();
      assert.equal(res.status, 200, text);
      const result = JSON.parse(text);
      assert.equal(result.calledStatus, 200, `${text}\n${server.log()}`);
      assert.equal(result.functionError, null, text);
      assert.deepEqual(JSON.parse(result.payload.body).event, { from: 'caller', value: 3 });
    });
  });
}
