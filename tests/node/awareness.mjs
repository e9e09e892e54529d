// Awareness across two server processes with the stock Yjs client (yjs + y-websocket).
// Usage: node awareness.mjs WS_A WS_B ROOM
// Two clients ("a1", "a2") open ROOM on process A and wait until they see each other;
// then two more ("b1", "b2") open it on process B, so B opens a document A already
// holds. Prints one JSON line: the milliseconds from B's clients' connection (open_ms)
// and from their first sync (sync_ms) until all four clients see all four names.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

const [baseA, baseB, room] = process.argv.slice(2)
const providers = []

const timeout = setTimeout(() => {
  const seen = providers.map(p => [...names(p)].sort().join(','))
  console.error(`timeout: names seen per client ${JSON.stringify(seen)}`)
  process.exit(1)
}, 20000)

function open (base, name) {
  const provider = new WebsocketProvider(base, room, new Y.Doc(), {
    WebSocketPolyfill: WebSocket,
    disableBc: true
  })
  provider.awareness.setLocalStateField('user', { name })
  providers.push(provider)
  return provider
}

function names (provider) {
  const out = new Set()
  for (const state of provider.awareness.getStates().values()) {
    if (state.user?.name) out.add(state.user.name)
  }
  return out
}

function synced (provider) {
  return new Promise(resolve => {
    if (provider.synced) resolve()
    else provider.once('sync', () => resolve())
  })
}

function everyoneSees (count) {
  return new Promise(resolve => {
    const check = () => {
      if (providers.every(p => names(p).size >= count)) {
        for (const p of providers) p.awareness.off('change', check)
        resolve()
      }
    }
    for (const p of providers) p.awareness.on('change', check)
    check()
  })
}

const a = [open(baseA, 'a1'), open(baseA, 'a2')]
await Promise.all(a.map(synced))
await everyoneSees(2)

const opened = performance.now()
const b = [open(baseB, 'b1'), open(baseB, 'b2')]
let syncedAt = null
const bothSynced = Promise.all(b.map(synced)).then(() => { syncedAt = performance.now() })
await everyoneSees(4)
const seenAt = performance.now()
await bothSynced
clearTimeout(timeout)
console.log(JSON.stringify({
  open_ms: Math.round(seenAt - opened),
  sync_ms: Math.max(0, Math.round(seenAt - syncedAt))
}))
for (const p of providers) p.destroy()
setTimeout(() => process.exit(0), 200)
