// The Invoke API (admin listener) through @aws-sdk/client-lambda: every invocation type, the
// service errors as the SDK names them, and SigV4 with configured access keys.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

import { startServer } from './lib/server.mjs';

const functions =
  'functions:\n' +
  '  ok:\n' +
  '    runtime: command\n' +
  '    command: ["/bin/sh", "-c", "echo ok-log-line >&2; cat"]\n' +
  '    retries: 0\n' +
  '  fail:\n' +
  '    runtime: command\n' +
  '    command: ["/bin/sh", "-c", "echo fail-log-line >&2; exit 2"]\n' +
  '    retries: 0\n';

function client(server, secretAccessKey = 'localsecret', accessKeyId = 'AKIDLOCAL') {
  return new LambdaClient({
    endpoint: server.adminUrl,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

const text = (bytes) => Buffer.from(bytes ?? []).toString('utf8');
const payload = (v) => Buffer.from(JSON.stringify(v));

describe('Invoke without access keys (any signature)', () => {
  let server;
  before(async () => {
    server = await startServer(functions);
  });
  after(async () => {
    await server?.stop();
  });

  test('RequestResponse returns the payload, the version and the log tail', async () => {
    const out = await client(server, 'anything').send(
      new InvokeCommand({ FunctionName: 'ok', Payload: payload({ a: 1 }), LogType: 'Tail' }),
    );
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, undefined);
    assert.equal(out.ExecutedVersion, '$LATEST');
    assert.deepEqual(JSON.parse(text(out.Payload)), { a: 1 });
    assert.match(Buffer.from(out.LogResult, 'base64').toString('utf8'), /ok-log-line/);
  });

  test('a full ARN with a qualifier works', async () => {
    const out = await client(server).send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:ok',
        Qualifier: '$LATEST',
        Payload: payload('x'),
      }),
    );
    assert.equal(out.StatusCode, 200);
    assert.equal(text(out.Payload), '"x"');
  });

  test('a failing function is 200 with FunctionError', async () => {
    const out = await client(server).send(
      new InvokeCommand({ FunctionName: 'fail', Payload: payload({}), LogType: 'Tail' }),
    );
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    assert.ok(JSON.parse(text(out.Payload)).errorMessage);
    assert.match(Buffer.from(out.LogResult, 'base64').toString('utf8'), /fail-log-line/);
  });

  test('Event is 202, DryRun is 204', async () => {
    const ev = await client(server).send(
      new InvokeCommand({ FunctionName: 'ok', InvocationType: 'Event', Payload: payload({}) }),
    );
    assert.equal(ev.StatusCode, 202);
    const dry = await client(server).send(
      new InvokeCommand({ FunctionName: 'ok', InvocationType: 'DryRun' }),
    );
    assert.equal(dry.StatusCode, 204);
    assert.match(dry.$metadata.requestId, /^[0-9A-Z]{26}$/);
  });

  test('service errors carry Lambda exception names', async () => {
    await assert.rejects(
      client(server).send(new InvokeCommand({ FunctionName: 'nope', Payload: payload({}) })),
      (err) =>
        err.name === 'ResourceNotFoundException' &&
        err.$metadata.httpStatusCode === 404 &&
        /^[0-9A-Z]{26}$/.test(err.$metadata.requestId),
    );
    await assert.rejects(
      client(server).send(
        new InvokeCommand({
          FunctionName: 'ok',
          InvocationType: 'Event',
          Payload: payload('x'.repeat(1024 * 1024 + 1)),
        }),
      ),
      (err) => err.name === 'RequestTooLargeException' && err.$metadata.httpStatusCode === 413,
    );
    await assert.rejects(
      client(server).send(
        new InvokeCommand({
          FunctionName: 'ok',
          ClientContext: Buffer.from('not json').toString('base64'),
          Payload: payload({}),
        }),
      ),
      (err) =>
        err.name === 'InvalidRequestContentException' &&
        err.$metadata.httpStatusCode === 400 &&
        /Base64-encoded JSON object/.test(err.message),
    );
  });

  // QA: every refusal outside Invoke itself reached the SDK as "UnknownError", its reason lost.
  test('a call longhaul does not serve is named, with its reason', async () => {
    await assert.rejects(
      client(server).send(new GetFunctionCommand({ FunctionName: 'ok' })),
      (err) =>
        err.name === 'UnknownOperationException' &&
        err.$metadata.httpStatusCode === 404 &&
        /serves Invoke only/.test(err.message),
    );
  });

  test('a foreign host name is AccessDeniedException, with its reason', async () => {
    const named = client(server);
    named.middlewareStack.add(
      (next) => (args) => {
        args.request.headers.host = 'longhaul:8081';
        return next(args);
      },
      { step: 'build' },
    );
    await assert.rejects(
      named.send(new InvokeCommand({ FunctionName: 'ok', Payload: payload({}) })),
      (err) =>
        err.name === 'AccessDeniedException' &&
        err.$metadata.httpStatusCode === 403 &&
        /not by the name longhaul:8081.*set server.lambda_access_keys/.test(err.message),
    );
  });
});

describe('Invoke with an admin_token and no access keys', () => {
  let server;
  before(async () => {
    server = await startServer('  admin_token: admintoken\n' + functions);
  });
  after(async () => {
    await server?.stop();
  });

  // QA: the README's "any signature is accepted" misled an SDK user here.
  test('a signed call is refused with what to configure', async () => {
    await assert.rejects(
      client(server).send(new InvokeCommand({ FunctionName: 'ok', Payload: payload({}) })),
      (err) =>
        err.name === 'UnrecognizedClientException' &&
        err.$metadata.httpStatusCode === 403 &&
        /no server.lambda_access_keys: an SDK signs with a key listed there/.test(err.message),
    );
  });
});

describe('Invoke with server.lambda_access_keys (SigV4)', () => {
  let server;
  before(async () => {
    server = await startServer(
      '  lambda_access_keys:\n    AKIDLOCAL: localsecret\n' + functions,
    );
  });
  after(async () => {
    await server?.stop();
  });

  test('a call signed with the configured key succeeds', async () => {
    const out = await client(server).send(
      new InvokeCommand({
        FunctionName: '000000000000:function:ok:$LATEST',
        Payload: payload({ signed: true }),
      }),
    );
    assert.equal(out.StatusCode, 200);
    assert.deepEqual(JSON.parse(text(out.Payload)), { signed: true });
  });

  test('a wrong secret is InvalidSignatureException', async () => {
    await assert.rejects(
      client(server, 'wrong').send(new InvokeCommand({ FunctionName: 'ok', Payload: payload({}) })),
      (err) => err.name === 'InvalidSignatureException' && err.$metadata.httpStatusCode === 403,
    );
  });

  test('an unknown key id is UnrecognizedClientException', async () => {
    await assert.rejects(
      client(server, 'localsecret', 'AKIDOTHER').send(
        new InvokeCommand({ FunctionName: 'ok', Payload: payload({}) }),
      ),
      (err) => err.name === 'UnrecognizedClientException',
    );
  });

  test('an unsigned call is MissingAuthenticationTokenException', async () => {
    const res = await fetch(`${server.adminUrl}/2015-03-31/functions/ok/invocations`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  });
});
