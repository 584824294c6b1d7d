SLUG = "01_tensors"
# Forgets keepdim's job: divides by the grand total instead of each row's sum.
WRONG = ("normalize_rows", "def normalize_rows(X):\n    return X / X.sum()\n")
