// The stock JavaScript y-websocket client as a test peer, driven over stdin/stdout.
//
//   node peer.mjs SERVER_URL DOC TICKET     e.g. ws://127.0.0.1:4000/ws/docs my-doc t0k3n
//
// The provider connects to `${SERVER_URL}/${DOC}?ticket=${TICKET}`. Text lives in Y.Text "t".
// Commands, one JSON object per line on stdin:
//   {"cmd":"insert","text":"..."}        appends to the text
//   {"cmd":"awareness","state":{...}}    sets the local awareness state
//   {"cmd":"state"}                      answers {"text","synced","peers":[other clients' states]}
//   {"cmd":"quit"}                       disconnects cleanly and exits
// Events, printed as they happen: {"event":"synced"}, {"event":"status","status":...},
// {"event":"permission-denied","reason":...}, {"event":"closed","code":...,"reason":...}.

import * as readline from 'node:readline'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const [serverUrl, doc, ticket] = process.argv.slice(2)
if (!ticket) {
  console.error('usage: node peer.mjs SERVER_URL DOC TICKET')
  process.exit(2)
}

const print = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

// The provider reports an auth message only through console.warn:
// `Permission denied to access ${url}.\n${reason}`.
const warn = console.warn
console.warn = (...args) => {
  const match = /^Permission denied to access .*?\.\n([\s\S]*)$/.exec(String(args[0]))
  if (match) print({ event: 'permission-denied', reason: match[1] })
  else warn(...args)
}

const ydoc = new Y.Doc()
const text = ydoc.getText('t')
const provider = new WebsocketProvider(serverUrl, doc, ydoc, {
  WebSocketPolyfill: WebSocket,
  params: { ticket },
  disableBc: true
})
provider.on('sync', (synced) => synced && print({ event: 'synced' }))
provider.on('status', ({ status }) => print({ event: 'status', status }))
provider.on('connection-close', (event) =>
  event && print({ event: 'closed', code: event.code, reason: event.reason }))

const peers = () =>
  [...provider.awareness.getStates()]
    .filter(([id]) => id !== ydoc.clientID)
    .map(([, state]) => state)

const quit = () => {
  provider.destroy()
  process.exit(0)
}

const commands = {
  insert: ({ text: s }) => text.insert(text.length, s),
  awareness: ({ state }) => provider.awareness.setLocalState(state),
  state: () => print({ text: text.toString(), synced: provider.synced, peers: peers() }),
  quit
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return
  const command = JSON.parse(line)
  const run = commands[command.cmd]
  if (!run) throw new Error(`unknown command: ${line}`)
  run(command)
}).on('close', quit)
