"""A pickle reader that runs nothing: it interprets the opcodes of plain data itself.

Python's own unpickler imports any module and calls any function a file names; this one
knows a closed set of opcodes (those of protocol 2, which ``torch.save`` writes, plus a few
harmless ones of later protocols) and asks ``resolve(module, name)`` for every global, which
hands out only vetted stand-ins or raises. Calls (REDUCE, NEWOBJ) may only target what
``resolve`` handed out; BUILD may only set plain attributes on an OrderedDict (a state_dict's
``_metadata``); APPEND only extends lists and SETITEM(S) only fills dicts, as in torch's
weights-only unpickler. Any other opcode is refused with ``pickle.UnpicklingError``.
"""
import pickle
import struct
from collections import Counter, OrderedDict


class SafeUnpickler:
    """Read one pickle from the binary file ``file``; ``persistent_load(pid)`` resolves BINPERSID."""

    def __init__(self, file, resolve, persistent_load):
        self._read = file.read
        self._readline = file.readline
        self._resolve = resolve
        self._persistent_load = persistent_load
        self._callables = []

    def load(self):
        self.stack, self.marks, self.memo = [], [], {}
        while True:
            code = self._read(1)
            if not code:
                raise pickle.UnpicklingError("pickle data was truncated")
            op = _OPS.get(code[0])
            if op is None:
                raise pickle.UnpicklingError(f"Unsupported operand {code[0]} ({code!r}) in the pickle: only "
                                             "plain data (protocol 2, as torch.save writes) is read")
            try:
                if op(self) is _STOP:
                    return self.stack.pop()
            except (IndexError, KeyError, struct.error, UnicodeDecodeError) as error:
                raise pickle.UnpicklingError(f"damaged pickle data at opcode {code!r}: "
                                             f"{type(error).__name__}: {error}") from None

    # ----- reading helpers -----
    def _bytes(self, n):
        if n > _LONGEST:
            raise pickle.UnpicklingError(f"a string of {n} bytes: longer than any checkpoint holds")
        data = self._read(n)
        if len(data) != n:
            raise pickle.UnpicklingError("pickle data was truncated")
        return data

    def _unpack(self, fmt):
        return struct.unpack(fmt, self._bytes(struct.calcsize(fmt)))[0]

    def _pop_mark(self):
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def _global(self, module, name):
        obj = self._resolve(module, name)
        self._callables.append(obj)
        self.stack.append(obj)

    def _call(self, func, args):
        if not any(func is allowed for allowed in self._callables) or not callable(func):
            raise pickle.UnpicklingError(f"Trying to call {func!r}, which no admitted global named")
        if type(args) is not tuple:
            raise pickle.UnpicklingError(f"the arguments of {func!r} are a {type(args).__name__}, not a tuple")
        try:
            result = func(*args)
        except (TypeError, ValueError, OverflowError, RuntimeError) as error:
            if type(error) not in (TypeError, ValueError, OverflowError, RuntimeError):
                raise  # a subclass is a deliberate, specific refusal (an unsupported dtype, a damaged archive)
            raise pickle.UnpicklingError(f"{getattr(func, '__name__', func)!s}{_short(args)} failed: "
                                         f"{type(error).__name__}: {error}") from None
        self.stack.append(result)

    # ----- opcodes -----
    def op_proto(self):
        if self._bytes(1)[0] > 5:
            raise pickle.UnpicklingError("unsupported pickle protocol")

    def op_stop(self):
        return _STOP

    def op_frame(self):
        self._bytes(8)

    def op_global(self):
        module = self._readline()[:-1].decode("utf-8")
        name = self._readline()[:-1].decode("utf-8")
        self._global(module, name)

    def op_stack_global(self):
        name, module = self.stack.pop(), self.stack.pop()
        if type(name) is not str or type(module) is not str:
            raise pickle.UnpicklingError("STACK_GLOBAL needs two strings")
        self._global(module, name)

    def op_reduce(self):
        args = self.stack.pop()
        self._call(self.stack.pop(), args)

    op_newobj = op_reduce

    def op_build(self):
        state = self.stack.pop()
        target = self.stack[-1]
        if type(target) is not OrderedDict or type(state) is not dict:
            raise pickle.UnpicklingError(f"Can only build an OrderedDict from a dict (a state_dict's "
                                         f"_metadata), but got {type(target).__name__}")
        for key, value in state.items():
            if type(key) is not str or not key.isidentifier() or key.startswith("__"):
                raise pickle.UnpicklingError(f"refusing to set attribute {key!r} on an OrderedDict")
            setattr(target, key, value)

    def op_persid(self):
        pid = self.stack.pop()
        if type(pid) not in (tuple, int):
            raise pickle.UnpicklingError(f"persistent_load id must be tuple or int, but got {type(pid).__name__}")
        self.stack.append(self._persistent_load(pid))

    def op_append(self):
        item = self.stack.pop()
        self._list_target().append(item)

    def op_appends(self):
        items = self._pop_mark()
        self._list_target().extend(items)

    def op_additems(self):
        items = self._pop_mark()
        if type(self.stack[-1]) is not set:
            raise pickle.UnpicklingError(f"Can only add items to a set, but got {type(self.stack[-1]).__name__}")
        self.stack[-1].update(items)

    def _list_target(self):
        if type(self.stack[-1]) is not list:
            raise pickle.UnpicklingError(f"Can only append to lists, but got {type(self.stack[-1]).__name__}")
        return self.stack[-1]

    def op_setitem(self):
        value, key = self.stack.pop(), self.stack.pop()
        self._dict_target("SETITEM")[key] = value

    def op_setitems(self):
        items = self._pop_mark()
        target = self._dict_target("SETITEMS")
        if len(items) % 2:
            raise pickle.UnpicklingError("SETITEMS with an odd number of items")
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def _dict_target(self, opcode):
        if type(self.stack[-1]) not in (dict, OrderedDict, Counter):
            raise pickle.UnpicklingError(f"Can only {opcode} for dict, collections.OrderedDict, "
                                         f"collections.Counter, but got {type(self.stack[-1]).__name__}")
        return self.stack[-1]

    def op_mark(self):
        self.marks.append(len(self.stack))

    def op_tuple(self):
        self.stack.append(tuple(self._pop_mark()))

    def op_tuple1(self):
        self.stack[-1:] = [tuple(self.stack[-1:])]

    def op_tuple2(self):
        if len(self.stack) < 2:
            raise IndexError("stack underflow")
        self.stack[-2:] = [tuple(self.stack[-2:])]

    def op_tuple3(self):
        if len(self.stack) < 3:
            raise IndexError("stack underflow")
        self.stack[-3:] = [tuple(self.stack[-3:])]

    def op_none(self):
        self.stack.append(None)

    def op_false(self):
        self.stack.append(False)

    def op_true(self):
        self.stack.append(True)

    def op_empty_tuple(self):
        self.stack.append(())

    def op_empty_list(self):
        self.stack.append([])

    def op_empty_dict(self):
        self.stack.append({})

    def op_empty_set(self):
        self.stack.append(set())

    def op_binint(self):
        self.stack.append(self._unpack("<i"))

    def op_binint1(self):
        self.stack.append(self._bytes(1)[0])

    def op_binint2(self):
        self.stack.append(self._unpack("<H"))

    def op_long1(self):
        self.stack.append(int.from_bytes(self._bytes(self._bytes(1)[0]), "little", signed=True))

    def op_binfloat(self):
        self.stack.append(self._unpack(">d"))

    def op_binunicode(self):
        self.stack.append(self._bytes(self._unpack("<I")).decode("utf-8", "surrogatepass"))

    def op_short_binunicode(self):
        self.stack.append(self._bytes(self._bytes(1)[0]).decode("utf-8", "surrogatepass"))

    def op_short_binstring(self):
        self.stack.append(self._bytes(self._bytes(1)[0]).decode("ascii"))

    def op_binbytes(self):
        self.stack.append(self._bytes(self._unpack("<I")))

    def op_short_binbytes(self):
        self.stack.append(self._bytes(self._bytes(1)[0]))

    def op_binget(self):
        self.stack.append(self.memo[self._bytes(1)[0]])

    def op_long_binget(self):
        self.stack.append(self.memo[self._unpack("<I")])

    def op_binput(self):
        self.memo[self._bytes(1)[0]] = self.stack[-1]

    def op_long_binput(self):
        self.memo[self._unpack("<I")] = self.stack[-1]

    def op_memoize(self):
        self.memo[len(self.memo)] = self.stack[-1]


def _short(args, limit=120):
    text = repr(args)
    return text if len(text) <= limit else text[:limit] + "...)"


_STOP = object()
_LONGEST = 1 << 31
_OPS = {getattr(pickle, opcode)[0]: getattr(SafeUnpickler, method) for opcode, method in {
    "PROTO": "op_proto", "STOP": "op_stop", "FRAME": "op_frame", "GLOBAL": "op_global",
    "STACK_GLOBAL": "op_stack_global", "REDUCE": "op_reduce", "NEWOBJ": "op_newobj", "BUILD": "op_build",
    "BINPERSID": "op_persid", "APPEND": "op_append", "APPENDS": "op_appends", "ADDITEMS": "op_additems",
    "SETITEM": "op_setitem", "SETITEMS": "op_setitems", "MARK": "op_mark", "TUPLE": "op_tuple",
    "TUPLE1": "op_tuple1", "TUPLE2": "op_tuple2", "TUPLE3": "op_tuple3", "NONE": "op_none",
    "NEWFALSE": "op_false", "NEWTRUE": "op_true", "EMPTY_TUPLE": "op_empty_tuple",
    "EMPTY_LIST": "op_empty_list", "EMPTY_DICT": "op_empty_dict", "EMPTY_SET": "op_empty_set",
    "BININT": "op_binint", "BININT1": "op_binint1", "BININT2": "op_binint2", "LONG1": "op_long1",
    "BINFLOAT": "op_binfloat", "BINUNICODE": "op_binunicode", "SHORT_BINUNICODE": "op_short_binunicode",
    "SHORT_BINSTRING": "op_short_binstring", "BINBYTES": "op_binbytes", "SHORT_BINBYTES": "op_short_binbytes",
    "BINGET": "op_binget", "LONG_BINGET": "op_long_binget", "BINPUT": "op_binput",
    "LONG_BINPUT": "op_long_binput", "MEMOIZE": "op_memoize",
}.items()}
