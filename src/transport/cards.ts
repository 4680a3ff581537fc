import type { CardReplier, CardUpdate, DeliveryTarget } from '../core/delivery.js'
import type { DingtalkApi } from './dingtalk-api.js'

/** AI cards through the robot OpenAPI (dingtalk.md §5): createAndDeliver, then PUT /v1.0/card/streaming. */
export class DingtalkCards implements CardReplier {
  constructor(private readonly api: DingtalkApi) {}

  createCard(target: DeliveryTarget, key: string, card: { templateId: string; contentKey: string }): Promise<void> {
    const group = target.conversationType === '2'
    const staff = target.senderStaffId
    return this.api.createAndDeliverCard({
      outTrackId: key,
      templateId: card.templateId,
      cardParamMap: { [card.contentKey]: '' },
      conversationType: group ? '2' : '1',
      conversationId: target.conversationId,
      staffId: staff,
      atUserIds: group && staff ? { [staff]: target.senderNick ?? staff } : undefined,
      robotCode: target.robotCode || undefined,
    })
  }

  streamCard(key: string, contentKey: string, update: CardUpdate): Promise<void> {
    return this.api.streamCard({ outTrackId: key, key: contentKey, isFull: true, ...update })
  }
}
