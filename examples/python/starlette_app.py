"""A Starlette app, as it runs under any ASGI server: Weft runs `app`, with
its lifespan (startup before the first request, shutdown when the process
stops) and WebSockets.

    "type": "python", "path": "examples/python", "module": "starlette_app", "callable": "app"
"""
import contextlib

from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute


@contextlib.asynccontextmanager
async def lifespan(app):
    # What startup makes is shared with every request (ASGI's lifespan "state").
    yield {'greeting': 'Hello from Starlette'}


async def index(request):
    return PlainTextResponse(request.state.greeting + '\n')


async def item(request):
    return JSONResponse({'id': request.path_params['id'], 'query': dict(request.query_params)})


async def numbers(request):
    async def count():
        for i in range(5):
            yield f'{i}\n'
    return StreamingResponse(count(), media_type='text/plain')


async def echo(websocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(f'echo: {text}')


app = Starlette(
    routes=[Route('/', index), Route('/items/{id}', item), Route('/numbers', numbers), WebSocketRoute('/ws', echo)],
    lifespan=lifespan,
)
