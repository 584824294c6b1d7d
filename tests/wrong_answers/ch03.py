SLUG = "03_mlp_numpy"
# Averages the loss over the batch but forgets that the gradient of a mean carries the same 1/N.
WRONG = (
    "softmax_cross_entropy",
    (
        "def softmax_cross_entropy(scores, labels):\n"
        "    n = scores.shape[0]\n"
        "    shifted = scores - scores.max(axis=1, keepdims=True)\n"
        "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        "    loss = -log_probs[np.arange(n), labels].mean()\n"
        "    grad = np.exp(log_probs)\n"
        "    grad[np.arange(n), labels] -= 1.0\n"
        "    return float(loss), grad\n"
    ),
)
