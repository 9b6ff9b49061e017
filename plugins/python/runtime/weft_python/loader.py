"""Loading the app's callables, with Unit's meaning of the members: ``path``
entries go first on sys.path, ``module`` is imported, ``callable`` (default
``application``) taken from it and, with ``factory``, called to make the
app; ``targets`` are several such entry points, each with its own
``prefix``. ``protocol`` (``wsgi``/``asgi``) is detected when absent.

A failure is a LoadError whose reason reads as a Python user expects
(``Python failed to import module "app": ModuleNotFoundError: No module
named 'app'``) with a stable code from src/errors.ts, and whose traceback
goes to the log.
"""
import importlib
import inspect
import sys
import traceback

# Codes of src/errors.ts.
ERR_IMPORT = 'WEFT_ERR_PYTHON_IMPORT'
ERR_SYNTAX = 'WEFT_ERR_PYTHON_SYNTAX'
ERR_CALLABLE = 'WEFT_ERR_PYTHON_CALLABLE'
ERR_PROTOCOL = 'WEFT_ERR_PYTHON_PROTOCOL'
ERR_CONFIG = 'WEFT_ERR_PYTHON_CONFIG'


class LoadError(Exception):
    def __init__(self, code, reason, trace=''):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.trace = trace


class Target:
    """One entry point: its callable, protocol (wsgi, asgi3 or asgi2) and prefix."""

    __slots__ = ('name', 'module', 'callable_name', 'app', 'protocol', 'prefix')

    def __init__(self, name, module, callable_name, app, protocol, prefix):
        self.name = name
        self.module = module
        self.callable_name = callable_name
        self.app = app
        self.protocol = protocol
        self.prefix = prefix


def _accepts_one(func, skip_self):
    try:
        params = [p for p in inspect.signature(func).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return False
    if skip_self and params:
        params = params[1:]
    return len(params) == 1


def detect(app, protocol):
    """'wsgi', 'asgi3' (app(scope, receive, send) is a coroutine) or 'asgi2'
    (app(scope) returns an instance to await with (receive, send))."""
    if inspect.iscoroutinefunction(app):
        coroutine = True
    elif inspect.isclass(app):
        coroutine = False
    else:
        coroutine = inspect.iscoroutinefunction(getattr(app, '__call__', None))
    if protocol == 'wsgi':
        return 'wsgi'
    if coroutine:
        return 'asgi3'
    if protocol == 'asgi':
        return 'asgi2'
    # As Unit guesses: a class made with (scope), or a callable of one argument, is ASGI 2.
    if inspect.isclass(app):
        return 'asgi2' if _accepts_one(app.__init__, True) else 'wsgi'
    if _accepts_one(app, False):
        return 'asgi2'
    return 'wsgi'


def _format(e):
    return ''.join(traceback.format_exception(type(e), e, e.__traceback__))


def load_target(name, spec, protocol):
    module_name = spec.get('module')
    if not module_name:
        raise LoadError(ERR_CONFIG, 'no "module" to load%s' % (' for the target "%s"' % name if name else ''))
    callable_name = spec.get('callable') or 'application'
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as e:
        where = '%s, line %s' % (e.filename, e.lineno)
        raise LoadError(ERR_SYNTAX, 'Python failed to import module "%s": SyntaxError: %s (%s)' % (module_name, e.msg, where), _format(e)) from None
    except BaseException as e:
        if isinstance(e, (KeyboardInterrupt,)):
            raise
        raise LoadError(ERR_IMPORT, 'Python failed to import module "%s": %s: %s' % (module_name, type(e).__name__, e), _format(e)) from None
    try:
        app = getattr(module, callable_name)
    except AttributeError:
        raise LoadError(ERR_CALLABLE, 'Python failed to get "%s" from module "%s"' % (callable_name, module_name)) from None
    if spec.get('factory'):
        if not callable(app):
            raise LoadError(ERR_CALLABLE, '"%s" in module "%s" is not callable, so it cannot be a factory' % (callable_name, module_name))
        try:
            app = app()
        except Exception as e:
            raise LoadError(ERR_CALLABLE, 'the factory "%s" of module "%s" failed: %s: %s' % (callable_name, module_name, type(e).__name__, e), _format(e)) from None
    if not callable(app):
        raise LoadError(ERR_CALLABLE, '"%s" in module "%s" is not a callable' % (callable_name, module_name))
    return Target(name, module_name, callable_name, app, detect(app, protocol), spec.get('prefix') or '')


def load(config):
    """The app's targets by name ('' for an app without "targets"), all of one protocol family."""
    paths = config.get('path') or []
    if isinstance(paths, str):
        paths = [paths]
    # Unit puts "path" first, before what the interpreter found itself.
    for p in reversed(paths):
        if p in sys.path:
            sys.path.remove(p)
        sys.path.insert(0, p)
    protocol = config.get('protocol')
    targets = {}
    if config.get('targets'):
        for name, spec in config['targets'].items():
            targets[name] = load_target(name, spec, protocol)
    else:
        targets[''] = load_target('', config, protocol)
    families = {'wsgi' if t.protocol == 'wsgi' else 'asgi' for t in targets.values()}
    if len(families) > 1:
        detail = ', '.join('"%s" is %s' % (t.name, t.protocol) for t in targets.values())
        raise LoadError(ERR_PROTOCOL, 'the targets of one application must all be WSGI or all ASGI: %s' % detail)
    return targets
