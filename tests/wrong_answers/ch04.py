SLUG = "04_training"
# The classic evaluation bug: averages the per-batch mean losses and accuracies, so a partial
# last batch weighs as much as a full one (everything else -- eval mode, no_grad, restoring
# the mode -- is right).
WRONG = (
    "evaluate",
    """def evaluate(net, data_iter, loss_fn):
    was_training = net.training
    net.train(False)
    losses, accuracies = [], []
    with torch.no_grad():
        for X, y in data_iter:
            logits = net(X)
            losses.append(loss_fn(logits, y).item())
            accuracies.append((logits.argmax(dim=1) == y).float().mean().item())
    net.train(was_training)
    return sum(losses) / len(losses), sum(accuracies) / len(accuracies)
""",
)
