"""An application process's start: what the prototype put in the environment
(WEFT_APP: the process's boot record, as Node apps get it; WEFT_PYTHON: the
app's Python members), the title, the log, the app loaded, then the WSGI or
ASGI server on its loop, with the channel to Weft on fd 3.

A failure to load (ImportError, SyntaxError, a missing callable, a factory
that raises, a lifespan startup that fails) logs the traceback, reaches Weft
with the reason and its code, and ends the process with status 1.
"""
import json
import os
import signal
import sys

from . import loader
from .log import ErrorStream, Log
from .port import Port, install_kernel_handlers
from .title import set_process_title

# SIGTERM and QUIT: what is in flight gets QUIT_GRACE, lifespan shutdown
# LIFESPAN_SHUTDOWN_TIMEOUT after it: together under the 5 s the prototype
# waits before SIGKILL.
from .control import QUIT_GRACE  # noqa: E402

LIFESPAN_SHUTDOWN_TIMEOUT = 2.0
APP_ENV = 'WEFT_APP'
PYTHON_ENV = 'WEFT_PYTHON'
ERR_LIFESPAN = 'WEFT_ERR_PYTHON_LIFESPAN'


def _exit_now(code):
    # Threads of a WSGI pool and app threads must not hold the process up.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    os._exit(code)


def _link(port, boot):
    from .control import SUPERVISOR_INFO, set_supervisor
    main_pid = int(boot.get('mainPid', 0))
    set_supervisor(main_pid)
    # Other peers (routers) run no user code but are not trusted with the kernel's messages either.
    port.kernel_from = main_pid or None
    port.link(dict(SUPERVISOR_INFO), boot.get('channelFd', 3))


def _fail_early(boot, log, reason, code):
    """No server yet: a port on a throw-away loop carries the reason out."""
    from .control import Control
    from .reactor import Reactor
    from .server_base import Stats

    class _Nothing:
        stats = Stats()
        on_request_done = None

    loop = Reactor()
    port = Port(os.getpid(), loop, log)
    _link(port, boot)
    control = Control(port, _Nothing(), log, _exit_now)
    control.install(serving=False)
    control.failed(reason, code)
    loop.run_forever()


def run_wsgi(targets, config, boot, log):
    from .control import Control
    from .reactor import Reactor
    from .sync_server import SyncServer
    from .wsgi import WsgiApp

    threads = int(config.get('threads') or 1)
    processes = config.get('processes')
    multiprocess = not (processes == 1)
    app = WsgiApp(targets, log, ErrorStream(log), threads > 1, multiprocess)
    loop = Reactor()
    loop.on_error = lambda e: log.alert('a callback failed: %r' % e)
    server = SyncServer(loop, app, log, threads, int(config.get('thread_stack_size') or 0))
    port = Port(os.getpid(), loop, log)
    control = Control(port, server, log, _exit_now)
    install_kernel_handlers(port, lambda why: control.stop(QUIT_GRACE))
    _link(port, boot)
    control.install()
    signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(control.stop, QUIT_GRACE))
    control.ready()
    loop.run_forever()


def run_asgi(targets, config, boot, log):
    import asyncio

    from .asgi import Lifespan
    from .async_server import AsyncServer
    from .control import Control

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def on_error(loop_, context):
        e = context.get('exception')
        log.alert('%s%s' % (context.get('message', 'an asyncio callback failed'), ': %r' % e if e else ''))

    loop.set_exception_handler(on_error)
    states = {name: {} for name in targets}
    server = AsyncServer(loop, targets, states, log)
    port = Port(os.getpid(), loop, log)
    # One lifespan per app object (targets may share one).
    lifespans = []
    seen = {}
    for name, target in targets.items():
        key = id(target.app)
        if key in seen:
            states[name] = seen[key].state
            continue
        seen[key] = Lifespan(target, states[name], log, loop)
        lifespans.append(seen[key])

    def before_exit(then):
        async def shutdown():
            for lifespan in lifespans:
                why = await lifespan.shutdown(LIFESPAN_SHUTDOWN_TIMEOUT)
                if why:
                    log.error('the app\'s lifespan shutdown failed: %s' % why)
            then()
        loop.create_task(shutdown())

    control = Control(port, server, log, _exit_now, before_exit)
    install_kernel_handlers(port, lambda why: control.stop(QUIT_GRACE))
    _link(port, boot)
    control.install()
    loop.add_signal_handler(signal.SIGTERM, control.stop, QUIT_GRACE)

    async def start():
        for lifespan in lifespans:
            why = await lifespan.startup()
            if why is not None:
                reason = 'the app\'s lifespan startup failed: %s' % why
                log.error(reason)
                control.failed(reason, ERR_LIFESPAN)
                return
        control.ready()

    loop.create_task(start())
    loop.run_forever()


def main():
    raw = os.environ.pop(APP_ENV, None)
    config = json.loads(os.environ.pop(PYTHON_ENV, None) or '{}')
    if raw is None:
        sys.stderr.write('weft_python: not started by Weft (no %s in the environment)\n' % APP_ENV)
        sys.exit(2)
    boot = json.loads(raw)
    name = boot.get('name', 'app')
    log = Log(boot.get('logLevel', 'info'), '"%s" application: ' % name)
    set_process_title('%s: "%s" application' % (boot.get('titlePrefix', 'weft'), name))
    # Ctrl-C in a terminal reaches the whole process group: Weft's main decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not config.get('path'):
        # Without "path", the app's modules are found where it runs (as "python app.py" would).
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
    try:
        targets = loader.load(config)
    except loader.LoadError as e:
        log.error(e.reason + ('\n' + e.trace.rstrip() if e.trace else ''))
        _fail_early(boot, log, e.reason, e.code)
        return
    family = 'wsgi' if next(iter(targets.values())).protocol == 'wsgi' else 'asgi'
    for t in targets.values():
        log.debug('target "%s": %s.%s (%s)' % (t.name, t.module, t.callable_name, t.protocol))
    if family == 'wsgi':
        run_wsgi(targets, config, boot, log)
    else:
        run_asgi(targets, config, boot, log)
