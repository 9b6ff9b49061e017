"""ASGI ``websocket`` scope, with RFC 6455 done here: the router tunnels the
upgraded connection's raw bytes (after the 101 head, on frames and HTTP/1.1
connections alike).

The app's ``websocket.accept`` sends the 101 (Sec-WebSocket-Accept computed
here, its subprotocol and headers); ``websocket.close`` before that denies
the upgrade with 403, and ``websocket.http.response.*`` (the ASGI extension)
lets it answer with any HTTP response. Frames from the client must be
masked; fragments are joined; a text message must be UTF-8 (1007 if not); a
message over MAX_MESSAGE is refused with 1009; pings are answered; a close
is echoed, then the connection ends. Messages wait in a queue the app drains
with receive(); reading pauses while the queue holds too much.
"""
import base64
import collections
import hashlib
import struct
import traceback

from .asgi import base_scope, call_app, str_headers
from .server_base import error_body

GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
MAX_MESSAGE = 1 << 20
QUEUE_HIGH_WATER = 1 << 20
CLOSE_TIMEOUT = 5.0

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def accept_key(key):
    return base64.b64encode(hashlib.sha1(key.encode('latin-1') + GUID).digest()).decode('ascii')


def encode_frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = struct.pack('!BB', 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack('!BBH', 0x80 | opcode, 126, n)
    else:
        head = struct.pack('!BBQ', 0x80 | opcode, 127, n)
    return head + payload


def close_payload(code, reason=''):
    if code is None:
        return b''
    return struct.pack('!H', code) + reason.encode('utf-8')[:123]


def unmask(payload, mask):
    n = len(payload)
    if n == 0:
        return b''
    key = int.from_bytes((mask * (n // 4 + 1))[:n], 'big')
    return (int.from_bytes(payload, 'big') ^ key).to_bytes(n, 'big')


class ProtocolViolation(Exception):
    def __init__(self, code, why):
        super().__init__(why)
        self.code = code


class FrameReader:
    """Client frames in, whole messages out: on_message(opcode, payload), on_control(opcode, payload)."""

    def __init__(self, on_message, on_control):
        self._buf = bytearray()
        self._fragments = []
        self._fragment_op = None
        self._size = 0
        self._on_message = on_message
        self._on_control = on_control

    def feed(self, data):
        buf = self._buf
        buf += data
        pos = 0
        while len(buf) - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            fin = b0 & 0x80
            if b0 & 0x70:
                raise ProtocolViolation(1002, 'reserved bits set (no extension was agreed)')
            opcode = b0 & 0x0F
            if not b1 & 0x80:
                raise ProtocolViolation(1002, 'a client frame without a mask')
            n = b1 & 0x7F
            at = pos + 2
            if n == 126:
                if len(buf) - at < 2:
                    break
                n = struct.unpack_from('!H', buf, at)[0]
                at += 2
            elif n == 127:
                if len(buf) - at < 8:
                    break
                n = struct.unpack_from('!Q', buf, at)[0]
                at += 8
            if n > MAX_MESSAGE:
                raise ProtocolViolation(1009, 'a frame of %d bytes' % n)
            if len(buf) - at < 4 + n:
                break
            mask = bytes(buf[at:at + 4])
            payload = unmask(bytes(buf[at + 4:at + 4 + n]), mask)
            pos = at + 4 + n
            if opcode >= 8:
                if not fin or n > 125:
                    raise ProtocolViolation(1002, 'a fragmented or long control frame')
                self._on_control(opcode, payload)
                continue
            if opcode == OP_CONT:
                if self._fragment_op is None:
                    raise ProtocolViolation(1002, 'a continuation without a start')
            elif opcode in (OP_TEXT, OP_BINARY):
                if self._fragment_op is not None:
                    raise ProtocolViolation(1002, 'a new message inside a fragmented one')
                self._fragment_op = opcode
            else:
                raise ProtocolViolation(1002, 'an unknown opcode %d' % opcode)
            self._size += n
            if self._size > MAX_MESSAGE:
                raise ProtocolViolation(1009, 'a message over %d bytes' % MAX_MESSAGE)
            self._fragments.append(payload)
            if fin:
                op = self._fragment_op
                message = b''.join(self._fragments)
                self._fragments = []
                self._fragment_op = None
                self._size = 0
                self._on_message(op, message)
        if pos:
            del buf[:pos]


class WebSocketCycle:
    def __init__(self, conn, request, target, encoder, state, log):
        self.conn = conn
        self.request = request
        self.target = target
        self.encoder = encoder
        self.log = log
        scope = base_scope(request, target, state)
        scope['type'] = 'websocket'
        scope['scheme'] = 'wss' if request.scheme == 'https' else 'ws'
        protocols = request.header('sec-websocket-protocol')
        scope['subprotocols'] = [p.strip() for p in protocols.split(',') if p.strip()] if protocols else []
        scope['extensions'] = {'websocket.http.response': {}}
        self.scope = scope
        self.state = 'connecting'  # -> open -> closing -> closed; or 'denied'
        self._connect_sent = False
        self._queue = collections.deque()
        self._queued = 0
        self._waiter = None
        self._close_code = None
        self._close_reason = ''
        self._sent_close = False
        self._denial_started = False
        self._close_timer = None
        self.reader = FrameReader(self._message, self._control)
        self.complete = False

    # --- from the connection ---
    def feed_body(self, data):
        pass

    def body_end(self):
        pass

    def client_gone(self):
        self._lost(1006)

    def raw(self, data):
        if self.state not in ('open', 'closing'):
            return
        try:
            self.reader.feed(data)
        except ProtocolViolation as e:
            self.log.info('a WebSocket client broke the protocol: %s' % e)
            self._send_close(e.code, '')
            self._lost(e.code)

    def connection_lost(self):
        self._lost(1006)

    def _message(self, opcode, payload):
        if opcode == OP_TEXT:
            try:
                text = payload.decode('utf-8')
            except UnicodeDecodeError:
                raise ProtocolViolation(1007, 'a text message that is not UTF-8') from None
            event = {'type': 'websocket.receive', 'text': text}
        else:
            event = {'type': 'websocket.receive', 'bytes': payload}
        self._queue.append(event)
        self._queued += len(payload)
        if self._queued > QUEUE_HIGH_WATER:
            self.conn.pause_reading()
        self._wake()

    def _control(self, opcode, payload):
        if opcode == OP_PING:
            if not self._sent_close:
                self.conn.write(encode_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            if len(payload) == 1:
                raise ProtocolViolation(1002, 'a close frame of one byte')
            code = struct.unpack('!H', payload[:2])[0] if len(payload) >= 2 else 1005
            try:
                reason = payload[2:].decode('utf-8')
            except UnicodeDecodeError:
                raise ProtocolViolation(1007, 'a close reason that is not UTF-8') from None
            if not self._sent_close:
                # Echo the client's close, then end.
                self._send_close(code if code != 1005 else None, '')
            self._close_reason = reason
            self._lost(code)

    def _wake(self):
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def _lost(self, code):
        if self.state == 'closed':
            return
        self.state = 'closed'
        if self._close_code is None:
            self._close_code = code
        if self._close_timer is not None:
            self._close_timer.cancel()
        self._wake()
        self.conn.close()

    def _send_close(self, code, reason):
        if self._sent_close:
            return
        self._sent_close = True
        self.conn.write(encode_frame(OP_CLOSE, close_payload(code, reason)))

    # --- the app's side ---
    async def receive(self):
        if not self._connect_sent:
            self._connect_sent = True
            return {'type': 'websocket.connect'}
        while True:
            if self._queue:
                event = self._queue.popleft()
                size = len(event.get('bytes') or event.get('text') or '')
                before = self._queued
                self._queued -= size
                if before > QUEUE_HIGH_WATER >= self._queued:
                    self.conn.resume_reading()
                return event
            if self.state in ('closed', 'denied'):
                return {'type': 'websocket.disconnect', 'code': self._close_code or 1006, 'reason': self._close_reason}
            self._waiter = self.conn.loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def send(self, message):
        kind = message['type']
        if kind == 'websocket.accept':
            if self.state != 'connecting':
                raise RuntimeError('websocket.accept in state "%s"' % self.state)
            self._accept(message)
        elif kind == 'websocket.send':
            if self.state == 'connecting':
                raise RuntimeError('websocket.send before websocket.accept')
            if self.state != 'open':
                return
            text = message.get('text')
            if text is not None:
                self.conn.write(encode_frame(OP_TEXT, text.encode('utf-8')))
            else:
                self.conn.write(encode_frame(OP_BINARY, bytes(message.get('bytes') or b'')))
            if self.conn.write_paused:
                await self.conn.drain()
        elif kind == 'websocket.close':
            if self.state == 'connecting':
                self._deny(403)
            elif self.state == 'open':
                self.state = 'closing'
                self._send_close(message.get('code', 1000), message.get('reason') or '')
                # The client answers with its own close; if it does not, end anyway.
                self._close_timer = self.conn.loop.call_later(CLOSE_TIMEOUT, self._lost, 1006)
        elif kind == 'websocket.http.response.start':
            if self.state != 'connecting' or self._denial_started:
                raise RuntimeError('websocket.http.response.start after the handshake')
            self._denial_started = True
            self._denial = (int(message['status']), str_headers(message.get('headers') or ()))
        elif kind == 'websocket.http.response.body':
            if not self._denial_started:
                raise RuntimeError('websocket.http.response.body before websocket.http.response.start')
            body = bytes(message.get('body', b''))
            more = message.get('more_body', False)
            if self.state == 'connecting':
                self.state = 'denying'
                status, headers = self._denial
                if more:
                    self.conn.write(self.encoder.head(status, headers) + self.encoder.body(body))
                else:
                    self.conn.write(self.encoder.whole(status, headers, body))
            elif self.state == 'denying':
                self.conn.write(self.encoder.body(body) + (b'' if more else self.encoder.end()))
            if not more:
                self.state = 'denied'
                self._done()
        else:
            raise ValueError('unknown message type for a websocket scope: %r' % kind)

    def _accept(self, message):
        key = self.request.header('sec-websocket-key') or ''
        headers = [('Upgrade', 'websocket'), ('Connection', 'Upgrade'), ('Sec-WebSocket-Accept', accept_key(key))]
        subprotocol = message.get('subprotocol')
        if subprotocol:
            headers.append(('Sec-WebSocket-Protocol', subprotocol))
        for name, value in str_headers(message.get('headers') or ()):
            if name.lower() not in ('upgrade', 'connection', 'sec-websocket-accept', 'sec-websocket-protocol'):
                headers.append((name, value))
        self.conn.write(self.encoder.head(101, headers))
        self.state = 'open'
        self.conn.switch_to_raw()

    def _deny(self, status):
        self.state = 'denied'
        self.conn.write(self.encoder.whole(status, [('Content-Type', 'text/html')], error_body(status)))
        self._done()

    def _done(self):
        self.complete = True
        self._wake()
        self.conn.answer_complete(self)

    async def run(self):
        try:
            await call_app(self.target, self.scope, self.receive, self.send)
        except Exception as e:
            self.log.error('the app failed on a WebSocket to %s:\n%s' % (
                self.request.target, ''.join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip()))
            if self.state == 'connecting':
                self._deny(500)
            elif self.state == 'open':
                self._send_close(1011, '')
                self._lost(1011)
            return
        if self.state == 'connecting':
            self._deny(403)
        elif self.state == 'open':
            # The app returned: the conversation is over.
            self._send_close(1000, '')
            self._lost(1000)
        elif self.state == 'denying':
            self.conn.close()
