// A real SMTP server (nodemailer's smtp-server) for the Rust integration tests
// (tests/it/email.rs).
//
//   node sink.mjs
//
// Listens on 127.0.0.1, port 0, without TLS or authentication (a relay on the same machine,
// as `--smtp-url smtp://127.0.0.1:PORT` describes), and prints one line of JSON on stdout once
// it is ready: {"port":PORT}. Then one line per message received:
// {"from":"…","to":["…"],"subject":"…","text":"…"} (the envelope's sender and recipients, the
// decoded subject and plain-text body). Exits when its standard input closes, so it never
// outlives the test that started it.

import { SMTPServer } from 'smtp-server'
import { simpleParser } from 'mailparser'

const server = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData (stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        const line = {
          from: session.envelope.mailFrom && session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: mail.subject,
          text: mail.text
        }
        process.stdout.write(JSON.stringify(line) + '\n')
        callback()
      })
      .catch(callback)
  }
})

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.server.address().port }) + '\n')
})

process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
