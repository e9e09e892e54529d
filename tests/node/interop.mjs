// A stock Yjs client (yjs + y-websocket from npm) for the interop tests.
// Usage: node interop.mjs WS_BASE ROOM NAME COUNT EXPECTED_TOTAL
// Connects, adds COUNT ideas "NAME-i" to the Y.Map "ideas", sets its awareness
// name, waits until the map holds EXPECTED_TOTAL entries, then prints the
// sorted keys and the awareness names it saw as one JSON line.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

const [base, room, name, count, expected] = process.argv.slice(2)
const doc = new Y.Doc()
const provider = new WebsocketProvider(base, room, doc, {
  WebSocketPolyfill: WebSocket,
  disableBc: true
})
provider.awareness.setLocalStateField('user', { name })
const ideas = doc.getMap('ideas')

const timeout = setTimeout(() => {
  console.error(`timeout: ${ideas.size} of ${expected} ideas`)
  process.exit(1)
}, 20000)

provider.once('sync', () => {
  doc.transact(() => {
    for (let i = 0; i < Number(count); i++) ideas.set(`${name}-${i}`, `idea ${i} from ${name}`)
  })
})

const seen = new Set() // every peer name seen, also of peers that already left
const check = () => {
  for (const state of provider.awareness.getStates().values()) {
    if (state.user?.name) seen.add(state.user.name)
  }
  if (ideas.size < Number(expected) || seen.size < 2) return
  const names = [...seen]
  clearTimeout(timeout)
  console.log(JSON.stringify({ keys: [...ideas.keys()].sort(), names: names.sort() }))
  // Close with a handshake so every update we sent reaches the server before we exit.
  const ws = provider.ws
  if (ws) ws.addEventListener('close', () => process.exit(0))
  provider.destroy()
  setTimeout(() => process.exit(0), 2000)
}
// Check after the current transaction: Yjs sends its update only once observers have run.
ideas.observe(() => setTimeout(check, 0))
provider.awareness.on('change', () => setTimeout(check, 0))
