"""The rules grading/source_scan.py applies: which calls, modules, attributes and names in an
answer cell are worth a TA's look, and under which heading. Kept apart so the scanner reads as
an algorithm and the rules as a table an instructor can extend."""

INTROSPECTION = "introspection of test-time objects"
GUARD = "switches a grading guard off"
PATCH = "patches code the tests rely on"
HIDDEN = "hides code from this scan"

# Dotted names (after resolving imports and aliases) and what using them means.
CALLS = {
    "sys._getframe": INTROSPECTION,
    "sys._current_frames": INTROSPECTION,
    "sys.settrace": INTROSPECTION,
    "sys.setprofile": INTROSPECTION,
    "sys.modules": INTROSPECTION,
    "threading.settrace": INTROSPECTION,
    "inspect.currentframe": INTROSPECTION,
    "inspect.stack": INTROSPECTION,
    "inspect.trace": INTROSPECTION,
    "inspect.getouterframes": INTROSPECTION,
    "inspect.getinnerframes": INTROSPECTION,
    "inspect.getframeinfo": INTROSPECTION,
    "inspect.getargvalues": INTROSPECTION,
    "inspect.getclosurevars": INTROSPECTION,
    "inspect.getmembers": INTROSPECTION,
    "traceback.extract_stack": INTROSPECTION,
    "traceback.walk_stack": INTROSPECTION,
    "gc.get_objects": INTROSPECTION,
    "gc.get_referrers": INTROSPECTION,
    "gc.get_referents": INTROSPECTION,
    "globals": INTROSPECTION,
    "locals": INTROSPECTION,
    "get_ipython": INTROSPECTION,
    "IPython.get_ipython": INTROSPECTION,
    "eval": HIDDEN,
    "exec": HIDDEN,
    "compile": HIDDEN,
    "breakpoint": INTROSPECTION,
    "torch.inference_mode": None,  # only with False: see _inference_off
    "torch.autograd.grad_mode.inference_mode": None,
}
# Modules whose import (or any use) is itself the finding.
MODULES = {
    "ctypes": INTROSPECTION,
    "_ctypes": INTROSPECTION,
    "builtins": PATCH,
    "__main__": INTROSPECTION,
    "gc": None,  # gc.collect() is fine: only the calls above
    "threading": GUARD,
    "_thread": GUARD,
    "multiprocessing": GUARD,
    "concurrent": GUARD,
    "torch.overrides": GUARD,
    "torch.utils._python_dispatch": GUARD,
    "torch._C._functorch": GUARD,
    "helpers.by_hand": GUARD,
    "helpers.by_hand_guard": GUARD,
    "helpers.isolation": PATCH,
    "helpers.agreement": PATCH,
    "grading": PATCH,
    "jupyter_client": INTROSPECTION,
    "ipykernel": INTROSPECTION,
}
# Attribute names that mean frames, closures or the mode machinery wherever they are read.
ATTRIBUTES = {
    "f_back": INTROSPECTION,
    "f_locals": INTROSPECTION,
    "f_globals": INTROSPECTION,
    "f_builtins": INTROSPECTION,
    "tb_frame": INTROSPECTION,
    "gi_frame": INTROSPECTION,
    "cr_frame": INTROSPECTION,
    "ag_frame": INTROSPECTION,
    "__globals__": INTROSPECTION,
    "__closure__": INTROSPECTION,
    "cell_contents": INTROSPECTION,
    "__subclasses__": INTROSPECTION,
    "__builtins__": PATCH,
    "_pop_mode": GUARD,
    "_push_mode": GUARD,
    "_disable_current_modes": GUARD,
    "_get_current_dispatch_mode_stack": GUARD,
    "_get_current_function_mode_stack": GUARD,
    "_DisableTorchDispatch": GUARD,
    "DisableTorchFunction": GUARD,
    "DisableTorchFunctionSubclass": GUARD,
    "_DisableFuncTorch": GUARD,
    "_ExcludeDispatchKeyGuard": GUARD,
    "_IncludeDispatchKeyGuard": GUARD,
    "_ForceDispatchKeyGuard": GUARD,
    "_unset_dispatch_mode": GUARD,
    "_set_dispatch_mode": GUARD,
    "_pop_torch_dispatch_stack": GUARD,
    "_push_on_torch_dispatch_stack": GUARD,
    "_pop_torch_function_stack": GUARD,
    "_push_on_torch_function_stack": GUARD,
    "_len_torch_dispatch_stack": GUARD,
    "_len_torch_function_stack": GUARD,
    "_InferenceMode": GUARD,
    "_RestorePythonTLSSnapshot": GUARD,
    "_AutoDispatchBelowAutograd": GUARD,
    "TorchDispatchMode": GUARD,
    "TorchFunctionMode": GUARD,
}
NOTEBOOK_NAMES = {"In", "Out", "_ih", "_oh", "_i", "_ii", "_iii", "__dlbook_record__"}
GUARD_NAMES = {
    "by_hand",
    "forbid_builtins",
    "numpy_only",
    "isolate",
    "case",
    "passed",
    "check_close",
    "check_equal",
    "check_shape",
    "check_type",
    "check_true",
}
# IPython magics that read or rewrite the session (`%timeit`, `%matplotlib` are fine); the
# IPython transform turns `%who` into get_ipython().run_line_magic("who", "").
MAGIC_METHODS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}
SESSION_MAGICS = {
    "who",
    "whos",
    "who_ls",
    "store",
    "reset",
    "reset_selective",
    "xdel",
    "pdb",
    "debug",
    "tb",
    "history",
    "hist",
    "recall",
    "rerun",
    "macro",
    "load",
    "save",
    "run",
    "config",
    "capture_output",
}
# Attributes of these modules are the library's functions: assigning one is patching.
PATCHABLE = {
    "torch",
    "torch.nn.functional",
    "torch.Tensor",
    "torch.autograd",
    "torch.optim",
    "torch.nn",
    "torch.linalg",
    "torch.special",
    "numpy",
    "builtins",
    "math",
}
