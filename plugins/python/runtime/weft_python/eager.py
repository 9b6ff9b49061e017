"""A request's task started eagerly: its first step runs at once, inside the
read that brought the request, instead of on the loop's next turn.

Why: an app that answers without waiting on anything (most requests of most
apps) then answers within the same read callback, as a WSGI app does: no
wake-up of the loop's ready queue, no second turn of the loop (an epoll_wait
more) between the request and its answer, and no done-callback when the
task is over already. What it costs on 3.11: ~1.4 us per request against
~2.5 us for create_task(), its turn and its done-callback.

The task is a real asyncio Task from the start, so current_task() is
right during the first step (anyio, asyncio.timeout() and asgiref need it),
the request runs in its own copy of the context, and an app that awaits
goes on as any task does.

- Python 3.12+: ``Task(..., eager_start=True)``, the standard way.
- Older: create_task() puts the task's first step at the end of the loop's
  ready queue (BaseEventLoop._ready, a deque on every version); that handle
  is taken back and run now. Checked: the handle must be that task's step,
  else it stays queued and the task starts on the next turn as usual.
- A loop without ``_ready`` (uvloop) or with a task factory the app set:
  plain create_task().

Never call start() from inside another task's step (Task refuses to enter
a task while another one runs): async_server.py starts tasks from its read
callback, or from a loop callback of its own.
"""
import asyncio
import collections
import sys

_EAGER_START = sys.version_info >= (3, 12)


def start(loop, coro):
    """The task running ``coro``, its first step already run (done when the coroutine did not wait)."""
    if loop.get_task_factory() is not None:
        return loop.create_task(coro)
    if _EAGER_START:
        return asyncio.Task(coro, loop=loop, eager_start=True)
    ready = getattr(loop, '_ready', None)
    if type(ready) is not collections.deque:
        return loop.create_task(coro)
    task = loop.create_task(coro)
    if ready:
        handle = ready[-1]
        if getattr(getattr(handle, '_callback', None), '__self__', None) is task:
            ready.pop()
            handle._run()
    return task
