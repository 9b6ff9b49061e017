"""Hello world, WSGI: the same app under gunicorn and under Weft."""

BODY = b'Hello, World!'


def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(BODY)))])
    return [BODY]
