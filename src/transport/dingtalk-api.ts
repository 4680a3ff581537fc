import { readFile, stat } from 'node:fs/promises'
import { safeUrl } from '../logger.js'
import { DingtalkApiError, DOWNLOAD_CODE_EXPIRED, networkError, retryDelay } from './dingtalk-api-error.js'
import * as cards from './dingtalk-cards.js'
import { DingtalkHttp } from './dingtalk-http.js'
import {
  DEFAULT_DOWNLOAD_MAX_BYTES,
  fileNameFromDisposition,
  MEDIA_LIMITS,
  type MediaType,
  readLimited,
  tooLarge,
} from './dingtalk-media.js'

export { DingtalkApiError, DOWNLOAD_CODE_EXPIRED, FILE_TOO_LARGE } from './dingtalk-api-error.js'
export type { CardDeliveryInput, CardStreamInput, CardUpdateInput } from './dingtalk-cards.js'
export type { DingtalkApiOptions, DingtalkApiStats } from './dingtalk-http.js'
export type { MediaType } from './dingtalk-media.js'

/** One robot message for the OpenAPI send endpoints (dingtalk.md §4.4 msgKey table). */
export interface RobotMsg {
  readonly msgKey: string
  readonly msgParam: Readonly<Record<string, unknown>>
}
export const sampleMarkdown = (title: string, text: string): RobotMsg => ({
  msgKey: 'sampleMarkdown',
  msgParam: { title, text },
})
export const sampleFile = (mediaId: string, fileName: string, fileType: string): RobotMsg => ({
  msgKey: 'sampleFile',
  msgParam: { mediaId, fileName, fileType },
})
export const sampleImageMsg = (photoURL: string): RobotMsg => ({ msgKey: 'sampleImageMsg', msgParam: { photoURL } })

const MSG_PARAM_MAX_BYTES = 15_000

/**
 * Client for the DingTalk OpenAPI used by the robot: robot sends (group / 1:1), media upload, file
 * download, AI cards. Token, limiter (≤ 20 calls/s per API path), retries and counters live in
 * {@link DingtalkHttp}. Create one per app and share it: the limiter is per instance.
 */
export class DingtalkApi extends DingtalkHttp {
  // https://open.dingtalk.com/document/development/the-robot-sends-a-group-message
  async sendGroup(
    conversationId: string,
    msgKey: string,
    msgParam: Readonly<Record<string, unknown>>,
    robotCode = this.robotCode,
  ): Promise<{ processQueryKey?: string }> {
    const param = this.encodeParam('/v1.0/robot/groupMessages/send', msgParam)
    return this.call({
      method: 'POST',
      base: 'api',
      auth: 'header',
      path: '/v1.0/robot/groupMessages/send',
      json: () => ({ msgKey, msgParam: param, openConversationId: conversationId, robotCode }),
    })
  }

  // https://open.dingtalk.com/document/development/chatbots-send-one-on-one-chat-messages-in-batches
  async sendToUser(
    staffIds: string | readonly string[],
    msgKey: string,
    msgParam: Readonly<Record<string, unknown>>,
    robotCode = this.robotCode,
  ): Promise<{ processQueryKey?: string; invalidStaffIds: string[] }> {
    const path = '/v1.0/robot/oToMessages/batchSend'
    const ids = typeof staffIds === 'string' ? [staffIds] : [...staffIds]
    if (ids.length === 0 || ids.length > 20)
      throw new DingtalkApiError(`${path}: 1–20 staff ids per call, got ${ids.length}`, 'invalid_staff_id', 0, false, {
        path,
      })
    const param = this.encodeParam(path, msgParam)
    const invalid: string[] = []
    let remaining = ids
    let processQueryKey: string | undefined
    for (let attempt = 0; ; attempt++) {
      const userIds = remaining
      const res = await this.call<{
        processQueryKey?: string
        invalidStaffIdList?: string[]
        flowControlledStaffIdList?: string[]
      }>({
        method: 'POST',
        base: 'api',
        auth: 'header',
        path,
        json: () => ({ robotCode, userIds, msgKey, msgParam: param }),
      })
      processQueryKey ??= res.processQueryKey
      invalid.push(...(res.invalidStaffIdList ?? []))
      const limited = res.flowControlledStaffIdList ?? []
      if (limited.length === 0) break
      if (attempt + 1 >= this.retry.attempts)
        throw new DingtalkApiError(
          `${path}: flow-controlled for ${limited.length} user(s)`,
          'flow_controlled',
          200,
          true,
          { path },
        )
      remaining = limited
      await this.pause(
        path,
        'flow_controlled',
        attempt,
        retryDelay(attempt, this.retry.baseMs, this.retry.maxMs, this.opts.random),
      )
    }
    if (invalid.length >= ids.length)
      throw new DingtalkApiError(`${path}: no valid recipient (invalidStaffIdList)`, 'invalid_staff_id', 200, false, {
        path,
      })
    return { processQueryKey, invalidStaffIds: invalid }
  }

  /** Uploads a file (≤ 20 MB; voice ≤ 2 MB) and returns its media_id. dingtalk.md §4.3. */
  async uploadMedia(input: Uint8Array | string, fileName: string, type: MediaType): Promise<string> {
    const path = '/media/upload'
    const max = MEDIA_LIMITS[type]
    let size: number
    try {
      size = typeof input === 'string' ? (await stat(input)).size : input.byteLength
    } catch (err) {
      throw new DingtalkApiError(`cannot read ${fileName}: ${(err as Error).message}`, 'file_unreadable', 0, false, {
        path,
        cause: err,
      })
    }
    if (size > max) throw tooLarge(fileName, size, max, path)
    const bytes = typeof input === 'string' ? await readFile(input) : input
    const res = await this.call<{ media_id?: string }>({
      method: 'POST',
      base: 'oapi',
      auth: 'query',
      path,
      timeoutMs: this.opts.transferTimeoutMs ?? 60_000,
      form: () => {
        const fd = new FormData()
        fd.append('type', type)
        fd.append('media', new Blob([bytes]), fileName)
        return fd
      },
    })
    if (!res.media_id)
      throw new DingtalkApiError(`${path}: answer without media_id`, 'bad_response', 200, false, { path })
    return res.media_id
  }

  /** The temporary URL of a file a user sent. An expired or wrong code → code `download_code_expired`. dingtalk.md §4.2. */
  async downloadUrl(downloadCode: string, robotCode = this.robotCode): Promise<string> {
    const path = '/v1.0/robot/messageFiles/download'
    let res: { downloadUrl?: string }
    try {
      res = await this.call({
        method: 'POST',
        base: 'api',
        auth: 'header',
        path,
        json: () => ({ downloadCode, robotCode }),
      })
    } catch (err) {
      if (err instanceof DingtalkApiError && err.code === 'invalidParameter.robotCode.downloadCode') {
        throw new DingtalkApiError(
          `${path}: the download code is wrong or has expired`,
          DOWNLOAD_CODE_EXPIRED,
          err.httpStatus,
          false,
          { path, cause: err },
        )
      }
      throw err
    }
    if (!res.downloadUrl)
      throw new DingtalkApiError(`${path}: answer without downloadUrl`, 'bad_response', 200, false, { path })
    return res.downloadUrl
  }

  /** Downloads a file a user sent, refusing more than `maxBytes` (default 20 MB) or `timeoutMs` (default 60 s). */
  async downloadFile(
    downloadCode: string,
    o: { maxBytes?: number; timeoutMs?: number; robotCode?: string } = {},
  ): Promise<{ buffer: Buffer; contentType: string; fileName?: string }> {
    const url = await this.downloadUrl(downloadCode, o.robotCode)
    const label = 'file download'
    const maxBytes = o.maxBytes ?? DEFAULT_DOWNLOAD_MAX_BYTES
    return this.withRetry(label, async () => {
      let res: Response
      try {
        res = await this.fetchFn(url, {
          signal: AbortSignal.timeout(o.timeoutMs ?? this.opts.transferTimeoutMs ?? 60_000),
        })
        this.log.debug({ api: label, target: safeUrl(url), status: res.status }, 'dingtalk download')
        if (!res.ok) {
          await res.body?.cancel().catch(() => undefined)
          throw new DingtalkApiError(
            `${label}: HTTP ${res.status}`,
            `http_${res.status}`,
            res.status,
            res.status >= 500 || res.status === 429,
            { path: label },
          )
        }
        const buffer = await readLimited(res, maxBytes, label)
        return {
          buffer,
          contentType: res.headers.get('content-type') ?? 'application/octet-stream',
          fileName: fileNameFromDisposition(res.headers.get('content-disposition')),
        }
      } catch (err) {
        throw err instanceof DingtalkApiError ? err : networkError(label, err)
      }
    })
  }

  /** Creates an AI card and delivers it to a group or a 1:1 chat (callbackType STREAM). dingtalk.md §5.2. */
  async createAndDeliverCard(input: cards.CardDeliveryInput): Promise<void> {
    const body = cards.createAndDeliverBody(input, input.robotCode ?? this.robotCode)
    await this.call({
      method: 'POST',
      base: 'api',
      auth: 'header',
      path: cards.CARD_CREATE_AND_DELIVER_PATH,
      json: () => body,
      check: cards.checkDeliverAnswer,
    })
  }

  /** Streams (by default overwrites) a card variable; `isFinalize` ends the card, `isError` fails it. dingtalk.md §5.3. */
  async streamCard(input: cards.CardStreamInput): Promise<void> {
    const path = cards.CARD_STREAMING_PATH
    await this.call({
      method: 'PUT',
      base: 'api',
      auth: 'header',
      path,
      json: () => cards.streamingBody(input),
      check: cards.checkSuccessAnswer(path),
    })
  }

  /** Updates other card variables (title, flowStatus…). */
  async updateCard(input: cards.CardUpdateInput): Promise<void> {
    const path = cards.CARD_INSTANCES_PATH
    const body = cards.updateCardBody(input)
    await this.call({
      method: 'PUT',
      base: 'api',
      auth: 'header',
      path,
      json: () => body,
      check: cards.checkSuccessAnswer(path),
    })
  }

  private encodeParam(path: string, msgParam: Readonly<Record<string, unknown>>): string {
    const s = JSON.stringify(msgParam)
    const bytes = Buffer.byteLength(s)
    if (bytes > MSG_PARAM_MAX_BYTES)
      throw new DingtalkApiError(
        `${path}: msgParam is ${bytes} bytes, over DingTalk's ${MSG_PARAM_MAX_BYTES}`,
        'msg_param_too_long',
        0,
        false,
        { path },
      )
    return s
  }
}
