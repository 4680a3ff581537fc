#!/usr/bin/env node
// Container/host health check: GET /healthz on the local HTTP API. Exit 0 healthy, 1 not.
// Without HTTP_PORT Andy serves no HTTP, so there is nothing to ask and the check passes (the process
// being alive is all a supervisor can see; the stream reconnects by itself).
const port = process.env.HTTP_PORT
if (!port) process.exit(0)
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) })
  process.exit(res.ok ? 0 : 1)
} catch {
  process.exit(1)
}
