"""Modules one chapter uses, apart from the core library every chapter imports.

    fake_device.py     01: a CPU tensor whose .numpy() fails as a GPU tensor's does
    autograd_graph.py  02: the computational graph of a tensor, traced and drawn
    conv_explorer.py   05: the interactive convolution explorer
    lenet_plots.py     06: feature maps, confusion matrix, learning curves
    sync_count.py      06: counting host-device syncs in a training step
    model_stats.py     07: layer tables, parameter and FLOP counts, copying parameters

New chapter-only modules go here. The old paths (`helpers.autograd_graph`, ...) stay as thin
modules for notebooks students already have.
"""
