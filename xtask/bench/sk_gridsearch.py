"""scikit-learn's side of `cargo xtask bench-sweep`: GridSearchCV over MLPClassifier on
the same training file, folds, grid, epochs and cores as `nn-tui sweep --folds`, its
winner scored on the same test file; prints one JSON object (wall seconds of the search
and refit, the winner, its CV and test accuracy, and with --refit-seeds the test accuracy
of the winner refitted with other seeds: how much one seed's luck weighs).

The xtask wrote the files: train.csv and test.csv (the split), and the fold of each row
of train.csv (the sweep's folds), given here as a PredefinedSplit.

The models match nn-tui's defaults for 2-D data: standardised inputs (a StandardScaler in
the pipeline, fitted per fold like nn-tui's normalisation), Adam at the given rate,
mini-batches of 16, shuffled, no L2 penalty, and exactly `--epochs` passes (tol=0 and
n_iter_no_change above the epochs: no early stop)."""

import argparse
import json
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

p = argparse.ArgumentParser()
p.add_argument("--train", required=True, help="CSV with a header row, the label last")
p.add_argument("--test", required=True, help="CSV with a header row, the label last")
p.add_argument("--fold-of", required=True, help="the fold of each row of --train, a line each")
p.add_argument("--epochs", type=int, required=True)
p.add_argument("--cores", type=int, required=True)
p.add_argument("--seed", type=int, default=42)
p.add_argument("--lr", required=True, help="comma separated")
p.add_argument("--hidden", required=True, help="shapes separated by ';', layers by ','")
p.add_argument("--activation", required=True, help="comma separated")
p.add_argument(
    "--refit-seeds",
    type=int,
    default=0,
    help="also refit the winner with seeds --seed, --seed + 1, ... (untimed) and score each on --test",
)
a = p.parse_args()


def read(path):
    table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return table[:, :-1].astype(np.float32), table[:, -1].astype(np.int64)


x_train, y_train = read(a.train)
x_test, y_test = read(a.test)
fold_of = np.loadtxt(a.fold_of, dtype=np.int64, ndmin=1)
if len(fold_of) != len(y_train):
    raise SystemExit(f"--fold-of: {len(fold_of)} folds for {len(y_train)} training rows")
folds = PredefinedSplit(fold_of)
grid = {
    "mlpclassifier__learning_rate_init": [float(v) for v in a.lr.split(",")],
    "mlpclassifier__hidden_layer_sizes": [
        tuple(int(n) for n in shape.split(",")) for shape in a.hidden.split(";")
    ],
    "mlpclassifier__activation": a.activation.split(","),
}
model = make_pipeline(
    StandardScaler(),
    MLPClassifier(
        solver="adam",
        batch_size=16,
        max_iter=a.epochs,
        tol=0.0,
        n_iter_no_change=a.epochs + 1,
        alpha=0.0,
        shuffle=True,
        random_state=a.seed,
    ),
)
search = GridSearchCV(
    model,
    grid,
    cv=folds,
    n_jobs=a.cores,
    refit=True,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    start = time.perf_counter()
    search.fit(x_train, y_train)
    seconds = time.perf_counter() - start
best = search.best_params_
refits = []
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for seed in range(a.seed, a.seed + a.refit_seeds):
        refit = clone(search.best_estimator_).set_params(mlpclassifier__random_state=seed)
        refits.append(float(refit.fit(x_train, y_train).score(x_test, y_test)))
print(
    json.dumps(
        {
            "seconds": seconds,
            "winner": {
                "lr": best["mlpclassifier__learning_rate_init"],
                "hidden": list(best["mlpclassifier__hidden_layer_sizes"]),
                "activation": best["mlpclassifier__activation"],
            },
            "cv_accuracy": search.best_score_,
            "test_accuracy": float(search.score(x_test, y_test)),
            "test_samples": len(y_test),
            "refit_test_accuracies": refits,
            "fits": len(search.cv_results_["params"]) * folds.get_n_splits() + 1,
        }
    )
)
