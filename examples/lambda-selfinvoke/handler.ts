// A Lambda function that answers an HTTP request at once and does the long work later, in an
// asynchronous invocation of itself: the same code runs on AWS (API Gateway HTTP API + Lambda)
// and on longhaul (an `ack: sync` route + `runtime: lambda`).
//
//   POST /work?seconds=45 {"any": "json"}
//     -> invokes this function again with InvocationType 'Event' and a WorkEvent
//     <- 202 {"id": "<the Event invocation's request id>", "seconds": 45, ...}
//   the Event invocation: waits `seconds`, logging progress, and returns a WorkResult.
import { setTimeout as sleep } from 'node:timers/promises';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

// No endpoint, region or credentials: on AWS they come from the execution environment; on
// longhaul from AWS_ENDPOINT_URL_LAMBDA (the admin listener), AWS_REGION and placeholder keys.
const lambda = new LambdaClient({});

const DEFAULT_SECONDS = 45;
const MAX_SECONDS = 240; // stays under the function's timeout (5m in longhaul.yaml)

// The parts of an API Gateway HTTP API (payload format 2.0) event this handler reads.
interface HttpEvent {
  rawPath: string;
  body?: string;
  isBase64Encoded?: boolean;
  queryStringParameters?: Record<string, string | undefined>;
  requestContext: { requestId: string; http: { method: string; path: string } };
}

// The payload of the asynchronous invocation.
export interface WorkEvent {
  kind: 'work';
  seconds: number;
  input: unknown; // the HTTP request's body: parsed JSON, or the text
  acceptedBy: string; // request id of the HTTP invocation that queued the work
}

export interface WorkResult {
  status: 'done';
  seconds: number;
  input: unknown;
  acceptedBy: string;
  requestId: string; // this invocation's request id: the id the HTTP answer returned
}

interface Context {
  awsRequestId: string;
  functionName: string;
  getRemainingTimeInMillis(): number;
}

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

function isHttpEvent(event: unknown): event is HttpEvent {
  const ctx = (event as { requestContext?: { http?: unknown } } | null)?.requestContext;
  return typeof ctx === 'object' && ctx !== null && typeof ctx.http === 'object';
}

function json(statusCode: number, value: unknown): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  };
}

function parseBody(event: HttpEvent): unknown {
  if (event.body === undefined || event.body === '') return null;
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// `seconds` from the query string, else from a JSON body's "seconds", else the default.
function requestedSeconds(event: HttpEvent, input: unknown): number | string {
  const raw =
    event.queryStringParameters?.seconds ??
    (typeof input === 'object' && input !== null
      ? (input as { seconds?: unknown }).seconds
      : undefined);
  if (raw === undefined) return DEFAULT_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_SECONDS) {
    return `seconds must be a number from 0 to ${MAX_SECONDS}`;
  }
  return seconds;
}

async function accept(event: HttpEvent, context: Context): Promise<HttpResult> {
  const input = parseBody(event);
  const seconds = requestedSeconds(event, input);
  if (typeof seconds === 'string') return json(400, { message: seconds });

  const work: WorkEvent = { kind: 'work', seconds, input, acceptedBy: context.awsRequestId };
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      InvocationType: 'Event',
      Payload: JSON.stringify(work),
    }),
  );
  const id = out.$metadata.requestId;
  console.log(`queued work ${id} (${seconds} s), status ${out.StatusCode}`);
  return json(202, { id, seconds, acceptedBy: context.awsRequestId });
}

async function work(event: WorkEvent, context: Context): Promise<WorkResult> {
  console.log(`work ${context.awsRequestId}: ${event.seconds} s, queued by ${event.acceptedBy}`);
  const started = Date.now();
  const end = started + event.seconds * 1000;
  for (let now = started; now < end; now = Date.now()) {
    await sleep(Math.min(10_000, end - now));
    console.log(`work ${context.awsRequestId}: ${Math.round((Date.now() - started) / 1000)} s`);
  }
  console.log(`work ${context.awsRequestId}: done`);
  return {
    status: 'done',
    seconds: event.seconds,
    input: event.input,
    acceptedBy: event.acceptedBy,
    requestId: context.awsRequestId,
  };
}

export const handler = async (
  event: HttpEvent | WorkEvent,
  context: Context,
): Promise<HttpResult | WorkResult> => {
  if (isHttpEvent(event)) return accept(event, context);
  return work(event, context);
};
