import type pg from 'pg'
import { loadPg } from './driver.js'

export interface Listener {
  stop(): Promise<void>
}

/**
 * LISTENs on `channels` on a connection of its own, reconnecting a second after it is lost;
 * `onListening` runs each time the LISTENs are in place (notifications sent meanwhile were missed).
 */
export function listenPg(
  url: string,
  channels: readonly string[],
  on: {
    notification(channel: string, payload: string | undefined): void
    listening(): void
    lost(err: Error, connecting: boolean): void
  },
): Listener {
  let stopped = false
  let client: pg.Client | undefined
  const listen = async (): Promise<void> => {
    const driver = await loadPg()
    if (stopped) return
    const c = new driver.Client({ connectionString: url, application_name: 'andy-listen' })
    client = c
    const retry = () => {
      if (client !== c) return
      client = undefined
      c.end().catch(() => undefined)
      if (!stopped) setTimeout(() => void listen(), 1000).unref()
    }
    c.on('error', (err) => {
      on.lost(err, false)
      retry()
    })
    c.on('notification', (n) => on.notification(n.channel, n.payload))
    try {
      await c.connect()
      // Channel names are constants of the code (identifiers cannot be bound).
      for (const ch of channels) await c.query(`LISTEN ${driver.escapeIdentifier(ch)}`)
      on.listening()
    } catch (err) {
      on.lost(err as Error, true)
      retry()
    }
  }
  void listen()
  return {
    async stop() {
      stopped = true
      const c = client
      client = undefined
      await c?.end().catch(() => undefined)
    },
  }
}
