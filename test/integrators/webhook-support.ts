import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { TestApp } from '../support/harness';
import type { SignedUp } from '../support/fixtures';

/** One request the receiver got. */
export interface Received {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** What the receiver answers a request with: a status (and headers), or `hold` to never answer. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hold';

/**
 * A local HTTP server standing in for an integrator's endpoint: it keeps every request and answers each one
 * as `answer` says (200 by default).
 */
export class Receiver {
  readonly received: Received[] = [];
  answer: (request: Received, index: number) => Answer = () => ({ status: 200 });
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      this.received.push(request);
      const answer = this.answer(request, this.received.length - 1);
      if (answer === 'hold') return;
      res.writeHead(answer.status, answer.headers).end('ok');
    });
  });

  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    this.url = `http://127.0.0.1:${address.port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The Standard Webhooks verification, written from the spec and independently of Atrium's code: the key is
 * the base64 after `whsec_`; the signed content is `<webhook-id>.<webhook-timestamp>.<body>`; the header holds
 * space-separated `v1,<base64 HMAC-SHA256>` signatures, any of which may match.
 */
export function verifySignature(secret: string, headers: http.IncomingHttpHeaders, body: string): boolean {
  if (!secret.startsWith('whsec_')) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    endpoint { id url events enabled disabledReason createdAt }
    secret
    errors { message path }
  }
}`;

export const ENDPOINTS = `{ viewer { webhookEndpoints {
  id url events enabled disabledReason
  deliveries(first: 20) {
    edges { cursor node { id eventId eventType status attempts lastStatusCode lastError nextAttemptAt createdAt deliveredAt } }
    pageInfo { hasNextPage endCursor }
  }
} } }`;

export const REDELIVER = `mutation($id: ID!) {
  redeliverWebhook(input: { deliveryId: $id }) { delivery { id eventId status } errors { message path } }
}`;

export async function createEndpoint(
  app: TestApp,
  owner: SignedUp,
  url: string,
  events: string[] = ['ARTICLE_PUBLISHED'],
): Promise<{ id: string; secret: string }> {
  const result = await app.execute(CREATE_ENDPOINT, { as: owner, variables: { input: { url, events } } });
  const payload = result.data?.createWebhookEndpoint;
  if (!payload?.endpoint) throw new Error(`createWebhookEndpoint failed: ${JSON.stringify(result)}`);
  return { id: payload.endpoint.id, secret: payload.secret };
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

/** The deliveries of one of `owner`'s endpoints, newest first, as the API shows them. */
export async function deliveriesOf(
  app: TestApp,
  owner: SignedUp,
  endpointId: string,
): Promise<DeliveryView[]> {
  const result = await app.execute(ENDPOINTS, { as: owner });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  const endpoint = result.data.viewer.webhookEndpoints.find((e: { id: string }) => e.id === endpointId);
  return endpoint.deliveries.edges.map((edge: { node: DeliveryView }) => edge.node);
}
