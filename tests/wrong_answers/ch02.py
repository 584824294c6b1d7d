SLUG = "02_autograd"
# Forgets to zero the gradients, so the second step uses accumulated gradients.
WRONG = (
    "two_layer_step",
    (
        "def two_layer_step(x, y, w1, w2, learning_rate):\n"
        "    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()\n"
        "    loss.backward()\n"
        "    with torch.no_grad():\n"
        "        w1 -= learning_rate * w1.grad\n"
        "        w2 -= learning_rate * w2.grad\n"
        "    return loss.item()\n"
    ),
)


def _autograd_answer(name: str, args: str, forward: str) -> str:
    """An answer to a "by hand" exercise that lets autograd do the work (rule 5)."""
    first = args.split(", ")[-1]
    return (
        f"def {name}({args}):\n"
        f"    {first} = {first}.detach().requires_grad_(True)\n"
        f"    ({forward}).sum().backward()\n"
        f"    return {first}.grad\n"
    )


# Plausible mistakes the *visible* tests must catch (tests/test_book_rules.py, rule 3):
# (grade_id, the mistake, the answer cell's source).
CAUGHT_BY_VISIBLE_TESTS = [
    (
        "f_prime",
        "autograd instead of the derivative by hand",
        _autograd_answer("f_prime", "x", "torch.sin(x**2) / x"),
    ),
    (
        "grad_quadratic_form",
        "autograd instead of the gradient by hand",
        _autograd_answer("grad_quadratic_form", "A, x", "x @ A @ x"),
    ),
    (
        "grad_quadratic_form",
        "2 A x: right only for a symmetric A",
        "def grad_quadratic_form(A, x):\n    return 2 * A @ x\n",
    ),
    (
        "predict_detach_grad",
        "autograd instead of a prediction",
        _autograd_answer("predict_detach_grad", "x", "detach_example(x)"),
    ),
    (
        "accumulated_grad",
        ("each batch's mean loss averaged over the batches (right only for equal batches)"),
        (
            "def accumulated_grad(w, X, y, batch_size):\n"
            "    w.grad = None\n"
            "    n_batches = -(-X.shape[0] // batch_size)\n"
            "    for start in range(0, X.shape[0], batch_size):\n"
            "        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]\n"
            "        (((Xb @ w - yb) ** 2).mean() / n_batches).backward()\n"
            "    return w.grad\n"
        ),
    ),
    (
        "accumulated_grad",
        "a stale w.grad left in place",
        (
            "def accumulated_grad(w, X, y, batch_size):\n"
            "    for start in range(0, X.shape[0], batch_size):\n"
            "        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]\n"
            "        (((Xb @ w - yb) ** 2).sum() / X.shape[0]).backward()\n"
            "    return w.grad\n"
        ),
    ),
    (
        "vjp",
        "switches on requires_grad of the caller's x",
        (
            "def vjp(f, x, v):\n"
            "    x.requires_grad_(True)\n"
            "    (grad,) = torch.autograd.grad(f(x), x, grad_outputs=v)\n"
            "    return grad\n"
        ),
    ),
    (
        "numerical_grad",
        "a float32 result for a float64 x",
        (
            "def numerical_grad(f, x, eps=1e-5):\n"
            "    x = x.detach().clone()\n"
            "    flat = x.reshape(-1)\n"
            "    grad = torch.zeros(flat.numel())\n"
            "    for i in range(flat.numel()):\n"
            "        old = flat[i].item()\n"
            "        flat[i] = old + eps\n"
            "        f_plus = float(f(x))\n"
            "        flat[i] = old - eps\n"
            "        f_minus = float(f(x))\n"
            "        flat[i] = old\n"
            "        grad[i] = (f_plus - f_minus) / (2 * eps)\n"
            "    return grad.reshape(x.shape)\n"
        ),
    ),
    (
        "newton_sqrt",
        "a ** 0.5 instead of the Newton loop (a root the text switches off)",
        "def newton_sqrt(a, tol=1e-12):\n    return a ** 0.5\n",
    ),
]
