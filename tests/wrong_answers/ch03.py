SLUG = "03_mlp_numpy"
# Forgets the ReLU mask: gradients flow through units that were switched off.
WRONG = ("backward", (
    "def backward(x, y, h, h_relu, y_pred, w2):\n"
    "    grad_y_pred = 2.0 * (y_pred - y)\n"
    "    grad_w2 = h_relu.T.dot(grad_y_pred)\n"
    "    grad_h = grad_y_pred.dot(w2.T)\n"
    "    grad_w1 = x.T.dot(grad_h)\n"
    "    return grad_w1, grad_w2\n"))
