// @y/websocket-server on 127.0.0.1:$PORT, documents in memory only (YPERSISTENCE unset).
// URL per document: ws://127.0.0.1:$PORT/{doc}
import http from 'node:http'
import { WebSocketServer } from 'ws'
import { setupWSConnection } from '@y/websocket-server/utils'

delete process.env.YPERSISTENCE
const port = parseInt(process.env.PORT || '1234', 10)
const host = process.env.HOST || '127.0.0.1'

const wss = new WebSocketServer({ noServer: true })
wss.on('connection', setupWSConnection)
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' })
  res.end('okay')
})
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, ws => wss.emit('connection', ws, req))
})
server.listen(port, host, () => console.log(`y-websocket-server listening on ${host}:${port}`))
const stop = () => { server.close(); process.exit(0) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
