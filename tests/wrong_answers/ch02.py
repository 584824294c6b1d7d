SLUG = "02_autograd"
# Forgets to zero the gradients, so the second step uses accumulated gradients.
WRONG = ("two_layer_step", (
    "def two_layer_step(x, y, w1, w2, learning_rate):\n"
    "    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()\n"
    "    loss.backward()\n"
    "    with torch.no_grad():\n"
    "        w1 -= learning_rate * w1.grad\n"
    "        w2 -= learning_rate * w2.grad\n"
    "    return loss.item()\n"))
