import type { App } from '../app.js'
import type { DictionaryProvider } from '../bot/context.js'
import type { AppConfig } from '../config.js'
import type { Db } from '../db/client.js'
import type { Logger } from '../logger.js'
import type { ParamSpec } from './params.js'

/** What an endpoint may use. */
export interface EndpointDeps {
  readonly config: AppConfig
  readonly db: Db
  readonly app: App
  readonly dictionary: DictionaryProvider
  now(): number
}

export interface EndpointCall {
  readonly deps: EndpointDeps
  /** Request-scoped logger (carries reqId). */
  readonly logger: Logger
  /** Declared parameters, validated and converted (see parseParams). */
  readonly values: Record<string, unknown>
  /** Undeclared parameters (passthrough endpoints only), public parameters removed. */
  readonly extra: Record<string, unknown>
  /** The HTTP request's id and Idempotency-Key, and whether it came through the DingTalk stream. */
  readonly request?: { readonly id: string; readonly idempotencyKey?: string; readonly viaStream: boolean }
}

export interface DataResult {
  readonly kind: 'data'
  readonly data: unknown
  /** Shown in the envelope's msg (notes for the developer); empty by default. */
  readonly msg?: string
}

export interface FileResult {
  readonly kind: 'file'
  readonly fileName: string
  readonly contentType: string
  readonly body: Buffer
}

export type EndpointResult = DataResult | FileResult

/** JSON Schema fragment (for /openapi.json). */
export type JsonSchema = Record<string, unknown>

/** One seed action: its parameters, its answer's shape, and what it does. */
export interface Endpoint {
  /** The seed's action name (last segment of the URL / of `s`). */
  readonly action: string
  /** Chinese summary from the seed's description. */
  readonly summary: string
  readonly tag: string
  readonly params: readonly ParamSpec[]
  /** Accepts parameters it does not declare (DingTalk robot payloads). */
  readonly passthrough?: boolean
  /** JSON schema of `data` on success. */
  readonly response: JsonSchema
  /** Extra OpenAPI notes (accepted shapes, defaults). */
  readonly notes?: string
  /** Answers an .xlsx file unless asked for base64. */
  readonly producesFile?: boolean
  /** Runs once per Idempotency-Key; a repeated key gets the first answer again (src/http/idempotency.ts). */
  readonly idempotent?: boolean
  /** `data.content` is markdown for people: the envelope repeats it (or the error msg) as top-level `content`. */
  readonly markdown?: boolean
  /** URL path when not a seed action (the AI 助理 actions, /v1/actions/andy/…). */
  readonly path?: string
  run(call: EndpointCall): EndpointResult | Promise<EndpointResult>
}

export const data = (value: unknown, msg?: string): DataResult => ({ kind: 'data', data: value, msg })

/** JSON schema of `{<listKey>: [item], <totalKey>: integer}`. */
export function listSchema(listKey: string, totalKey: string, item: JsonSchema): JsonSchema {
  return {
    type: 'object',
    properties: { [listKey]: { type: 'array', items: item }, [totalKey]: { type: 'integer', description: '总数' } },
    required: [listKey, totalKey],
  }
}

/** JSON schema of an object whose properties are all described strings (or the given type). */
export function objectSchema(fields: Record<string, string | [string, string]>): JsonSchema {
  const properties: Record<string, JsonSchema> = {}
  for (const [name, d] of Object.entries(fields)) {
    const [type, description] = Array.isArray(d) ? d : ['string', d]
    properties[name] =
      type === 'string' ? { type: ['string', 'null'], description } : { type: [type, 'null'], description }
  }
  return { type: 'object', properties }
}
