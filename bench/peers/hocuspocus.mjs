// Hocuspocus server on 127.0.0.1:$PORT, no extensions (documents in memory only), quiet.
// One URL for all documents: ws://127.0.0.1:$PORT ; clients send an Auth message first.
import { Server } from '@hocuspocus/server'

const port = parseInt(process.env.PORT || '1234', 10)
const server = new Server({
  port,
  address: process.env.HOST || '127.0.0.1',
  quiet: true,
  debounce: 2000,
})
await server.listen()
console.log(`hocuspocus listening on 127.0.0.1:${port}`)
const stop = async () => { await server.destroy(); process.exit(0) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
