"""What the WSGI and ASGI servers share: the counters the router reads
(requests in flight and served, direct-mode connections), the settings of
direct mode, limits.requests, and draining on stop."""
import threading


class DirectSettings:
    """settings.http for connections a process accepts itself (direct mode):
    the router is not there to apply them. Times are seconds."""

    def __init__(self, raw=None):
        raw = raw or {}
        self.header_read_timeout = raw.get('headerReadTimeoutMs', 30000) / 1000.0
        self.send_timeout = raw.get('sendTimeoutMs', 30000) / 1000.0
        self.idle_timeout = raw.get('idleTimeoutMs', 180000) / 1000.0
        self.max_body_size = raw.get('maxBodySize')


class Stats:
    """Counters for router.app-load. Written from pool threads too, hence the lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.active = 0
        self.total = 0
        self.accepted = 0
        self.closed = 0
        self.direct_requests = 0
        self.direct_active = 0

    def begin(self, direct):
        with self.lock:
            self.active += 1
            self.total += 1
            if direct:
                self.direct_requests += 1
                self.direct_active += 1
            return self.total

    def finish(self, direct):
        with self.lock:
            self.active -= 1
            if direct:
                self.direct_active -= 1

    def snapshot(self):
        with self.lock:
            return {
                'active': self.active,
                'total': self.total,
                'direct': {'accepted': self.accepted, 'closed': self.closed,
                           'requests': self.direct_requests, 'active': self.direct_active},
            }


def str_headers(headers):
    """ASGI's (bytes, bytes) header pairs as native strings (latin-1)."""
    out = []
    for pair in headers:
        name, value = pair
        out.append((bytes(name).decode('latin-1'), bytes(value).decode('latin-1')))
    return out


ERROR_PAGE = '<!DOCTYPE html><title>Error %03d</title><p>Error %03d.\r\n'


def error_body(status):
    return (ERROR_PAGE % (status, status)).encode('ascii')
