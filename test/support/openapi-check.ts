import OpenAPIBackend, { type Document, type Operation } from 'openapi-backend';

/** One response as the gateway sent it: `body` is the JSON text, undefined when it was streamed (the CSV statement). */
export interface SentResponse {
  method: string;
  url: string;
  status: number;
  contentType: string | undefined;
  body: string | undefined;
  /** Names in lower case. */
  headers?: Record<string, string | undefined>;
}

const checks = new Map<string, Promise<OpenApiCheck>>();

/**
 * Holds a gateway's responses to its OpenAPI document with openapi-backend
 * (routing by method and path, bodies validated by Ajv; see docs/http-api.md
 * for why this library). A response breaks the document when its operation
 * does not declare its status, its content type, or when its body does not
 * match the declared schema. Requests to paths the document does not
 * describe (the docs pages, unknown routes) have nothing to be held to.
 */
export class OpenApiCheck {
  private constructor(private readonly api: OpenAPIBackend) {}

  /** Fails (strict) when the document itself is not valid OpenAPI. */
  static async of(document: unknown): Promise<OpenApiCheck> {
    // openapi-backend dereferences in place: it gets a copy.
    // Ajv's strict mode is off because OpenAPI adds keywords of its own (discriminator, example);
    // the document itself is checked against the OpenAPI 3.0 schema (strict: true).
    const api = new OpenAPIBackend({
      definition: structuredClone(document) as Document,
      strict: true,
      ajvOpts: { strict: false, allErrors: true },
      customizeAjv: (ajv) => ajv.addFormat('date-time', (text: string) => Number.isFinite(Date.parse(text))),
    });
    await api.init();
    return new OpenApiCheck(api);
  }

  /** One check per distinct document: building one compiles every response schema. */
  static for(document: unknown): Promise<OpenApiCheck> {
    const text = JSON.stringify(document);
    let check = checks.get(text);
    if (!check) {
      check = OpenApiCheck.of(JSON.parse(text));
      checks.set(text, check);
    }
    return check;
  }

  /** What is wrong with one response; empty when it keeps the document. */
  problems(response: SentResponse): string[] {
    const [path = '', query = ''] = response.url.split('?', 2);
    const operation = this.api.matchOperation({ method: response.method, path, query, headers: {} });
    if (!operation) return [];
    const declared = operation.responses?.[String(response.status)];
    if (!declared || '$ref' in declared) return [`status ${response.status} is not declared for ${operation.operationId}`];
    const missing = Object.entries(declared.headers ?? {}).flatMap(([name, header]) =>
      !('$ref' in header) && header.required && response.headers?.[name.toLowerCase()] === undefined
        ? [`required header ${name} is missing`]
        : [],
    );
    if (missing.length > 0) return missing;
    const mediaType = response.contentType?.split(';')[0]?.trim().toLowerCase();
    const content = declared.content ?? {};
    if (mediaType === undefined)
      return Object.keys(content).length === 0 ? [] : [`no content type; declared: ${Object.keys(content).join(', ')}`];
    if (!(mediaType in content)) return [`content type ${mediaType} is not declared for ${response.status} of ${operation.operationId}`];
    if (mediaType !== 'application/json' || response.body === undefined) return [];
    return this.bodyProblems(operation, response.status, response.body);
  }

  private bodyProblems(operation: Operation, status: number, text: string): string[] {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return [`body is not JSON: ${text.slice(0, 200)}`];
    }
    const result = this.api.validateResponse(body, operation, status);
    return (result.errors ?? []).map((issue) =>
      `${issue.instancePath || '(body)'} ${issue.message ?? ''} ${JSON.stringify(issue.params)}`.trim(),
    );
  }
}
