import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { OpenApiCheck } from './openapi-check.js';
import { checkedByServer, recordViolation } from './openapi-violations.js';

/**
 * One request to the gateway over real HTTP, with an optional bearer token and headers.
 * A response from a gateway in another process (scripts/api.ts) is held to the OpenAPI
 * document here; an in-process gateway's was already checked as it was sent (api-server.ts).
 */
export async function call(
  url: string,
  { method = 'GET', token, body, headers = {} }: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  const { origin, pathname, search } = new URL(url);
  if (!checkedByServer.has(origin)) {
    const sent = {
      method,
      url: `${pathname}${search}`,
      status: response.status,
      contentType: response.headers.get('content-type') ?? undefined,
      body: text,
    };
    const problems = (await OpenApiCheck.for(buildOpenApiDocument())).problems({ ...sent, headers: Object.fromEntries(response.headers) });
    for (const problem of problems) recordViolation(`${method} ${sent.url} → ${sent.status}: ${problem}`);
  }
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}
