SLUG = "05_convolution"
# The lecture notes' formula: no dilation term, so a dilated kernel's span is undercounted.
WRONG = ("conv_output_size",
         "def conv_output_size(n, k, p=0, s=1, d=1):\n    return (n + 2 * p - k) // s + 1\n")
