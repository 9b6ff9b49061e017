"""1 MiB up and down, for the streaming bench: the upload is read in 64 KiB
pieces and counted, the download written in 64 KiB pieces; /rss tells the
process's resident set now and at its peak (VmHWM)."""
import json

PIECE = b'x' * 65536


def _rss():
    out = {}
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(('VmRSS:', 'VmHWM:')):
                out[line.split(':')[0]] = int(line.split()[1])
    return out


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/upload':
        total = 0
        while True:
            piece = environ['wsgi.input'].read(65536)
            if not piece:
                break
            total += len(piece)
        body = json.dumps({'bytes': total}).encode()
        start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
        return [body]
    if path == '/download':
        start_response('200 OK', [('Content-Type', 'application/octet-stream'), ('Content-Length', str(16 * 65536))])
        return (PIECE for _ in range(16))
    body = json.dumps(_rss()).encode()
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [body]
