import { describe, expect, it } from 'vitest'
import { connection, connectionOf, reportSocket } from './connection'
import { streamOpen } from './events'

describe('the header connection indicator', () => {
  it('is never greener than the worst of the network, the event stream and the live sockets', () => {
    expect(connectionOf({ browserOnline: true, streamOpen: true, socketsDown: 0 })).toBe('online')
    expect(connectionOf({ browserOnline: true, streamOpen: false, socketsDown: 0 })).toBe('reconnecting')
    expect(connectionOf({ browserOnline: true, streamOpen: true, socketsDown: 1 })).toBe('reconnecting')
    // Without a network nothing is live, whatever a socket that has not noticed believes.
    expect(connectionOf({ browserOnline: false, streamOpen: true, socketsDown: 0 })).toBe('offline')
    expect(connectionOf({ browserOnline: false, streamOpen: false, socketsDown: 2 })).toBe('offline')
  })

  it('follows the browser going offline and online, and a document socket lost and regained', () => {
    streamOpen.value = true
    expect(connection.value).toBe('online')

    window.dispatchEvent(new Event('offline'))
    expect(connection.value).toBe('offline')
    window.dispatchEvent(new Event('online'))
    expect(connection.value).toBe('online')

    const socket = reportSocket()
    // A socket still opening for the first time is not a lost connection.
    socket.status('connecting')
    expect(connection.value).toBe('online')
    socket.status('connected')
    socket.status('disconnected')
    expect(connection.value).toBe('reconnecting')
    socket.status('connecting')
    expect(connection.value).toBe('reconnecting')
    socket.status('connected')
    expect(connection.value).toBe('online')
    socket.status('disconnected')
    // The page left: its socket no longer counts.
    socket.forget()
    expect(connection.value).toBe('online')

    streamOpen.value = false
    expect(connection.value).toBe('reconnecting')
  })
})
