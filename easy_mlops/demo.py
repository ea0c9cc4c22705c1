"""Train on scikit-learn's bundled breast-cancer data and print the metrics.

Run with ``python -m easy_mlops.demo``.
"""

# License: BSD 3 clause

from sklearn.datasets import load_breast_cancer

from .training import ModelTrainer


def main():
    """Fit the default trainer on the demo data; print and return its summary."""
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    summary = ModelTrainer().train(X, y)
    print(f"problem type: {summary['problem_type']} ({summary['problem_type_reason']})")
    print(
        f"model: {summary['model_name']} ({summary['backend']}/{summary['model_type']})"
    )
    for name, value in summary["metrics"].items():
        print(f"{name:>10}: {value:.4f}")
    return summary


if __name__ == "__main__":
    main()
