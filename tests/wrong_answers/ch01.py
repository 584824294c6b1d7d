SLUG = "01_tensors"
# Forgets keepdim's job: divides by the grand total instead of each row's sum.
WRONG = ("normalize_rows", "def normalize_rows(X):\n    return X / X.sum()\n")

# Plausible mistakes the *visible* tests must catch (tests/test_book_rules.py, rule 3):
# (grade_id, the mistake, the answer cell's source).
CAUGHT_BY_VISIBLE_TESTS = [
    (
        "normalize_rows",
        "no keepdim: a square matrix divides columns by row sums",
        "def normalize_rows(X):\n    return X / X.sum(dim=1)\n",
    ),
    (
        "dataframe_to_tensors",
        "inputs by position, iloc[:, :-1], assuming the target is last",
        (
            "def dataframe_to_tensors(df, target):\n"
            "    inputs = df.iloc[:, :-1]\n"
            "    inputs = inputs.fillna(inputs.mean(numeric_only=True))\n"
            "    inputs = pd.get_dummies(inputs, dummy_na=True, dtype=float)\n"
            "    X = torch.tensor(inputs.to_numpy(dtype=float), dtype=torch.float32)\n"
            "    y = torch.tensor(df[target].to_numpy(dtype=float), dtype=torch.float32)\n"
            "    return X, y\n"
        ),
    ),
    (
        "column_summary",
        "no .cpu() before .numpy(): fails for a tensor on a GPU",
        "def column_summary(X):\n    return X.mean(dim=0).numpy(), X.max().item()\n",
    ),
    (
        "accumulate_rows",
        "a new tensor instead of an in-place update",
        "def accumulate_rows(total, batch):\n    total = total + batch.sum(dim=0)\n    return total\n",
    ),
    (
        "norms_by_hand",
        "the library's norms instead of the definitions (the text switches them off)",
        (
            "def l1_norm(x):\n    return torch.linalg.vector_norm(x, ord=1)\n\n\n"
            "def l2_norm(x):\n    return x.norm()\n\n\n"
            "def frobenius_norm(X):\n    return torch.linalg.matrix_norm(X)\n"
        ),
    ),
]
