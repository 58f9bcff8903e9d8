"""Lesson 14's claims, measured over seeds: which cells learn "remember the first symbol".

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/gating_seeds.py [--seeds 0 1 ... 19] [--denormal-seeds 0 1 2]

The lesson's own set-up (L = 30, K = 4, H = 16, 300 Adam steps of lr 0.01 on batches of 32,
gradients clipped at 1, held-out batch of 1000; ``gating.train_remember_first``), one thread.
For each seed it trains five models: the plain RNN, the GRU and the LSTM with their keep gate
opened (bias +3, ``gating.open_memory_gate``), and the GRU and the LSTM at torch's default
initialisation. It prints each held-out accuracy and the wall time of each run, then, per
configuration, the mean, min, max, the number of seeds near chance (< 0.35) and the number at
0.95 or more, and the mean over every window of five consecutive seeds (the lesson trains five).

``--denormal-seeds`` also times the plain RNN with ``torch.set_flush_denormal`` off and on (the
order alternates) and checks the accuracies are the same. Results go to
``benchmarks/results/gating_seeds.json`` (git-ignored). Not a test: timings depend on the machine.
"""

import argparse
import json
import pathlib
import statistics
import time

import torch

from rnn_course import gating, models

L, K, H, STEPS, BATCH = 30, 4, 16, 300, 32
CONFIGS = {
    "RNN": ("rnn", 0.0),
    "GRU open": ("gru", 3.0),
    "LSTM open": ("lstm", 3.0),
    "GRU default": ("gru", 0.0),
    "LSTM default": ("lstm", 0.0),
}


def train(cell, gate_bias, seed):
    """Held-out accuracy and wall seconds of one model, exactly as lesson 14 trains it."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    model = models.SequenceClassifier(input_size=K, hidden_size=H, num_classes=K, cell=cell)
    if gate_bias:
        gating.open_memory_gate(model.rnn, gate_bias)
    accuracy = gating.train_remember_first(
        model, seed, length=L, num_symbols=K, steps=STEPS, batch_size=BATCH
    )
    return accuracy, time.perf_counter() - start


def summary(accuracies):
    windows = [statistics.mean(accuracies[i : i + 5]) for i in range(len(accuracies) - 4)]
    return {
        "mean": statistics.mean(accuracies),
        "min": min(accuracies),
        "max": max(accuracies),
        "near_chance": sum(a < 0.35 for a in accuracies),
        "at_least_0.95": sum(a >= 0.95 for a in accuracies),
        "window5_min": min(windows, default=None),
        "window5_max": max(windows, default=None),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(20)))
    parser.add_argument("--denormal-seeds", type=int, nargs="*", default=[0, 1, 2])
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = pathlib.Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    record = {"seeds": args.seeds, "runs": {name: [] for name in CONFIGS}, "denormal": []}
    torch.set_flush_denormal(True)
    for seed in args.seeds:
        for name, (cell, bias) in CONFIGS.items():
            accuracy, seconds = train(cell, bias, seed)
            record["runs"][name].append({"seed": seed, "accuracy": accuracy, "seconds": seconds})
            print(
                f"seed {seed:2d}  {name:12s}  accuracy {accuracy:.3f}  {seconds:5.1f} s", flush=True
            )
        (out / "gating_seeds.json").write_text(json.dumps(record, indent=1))
    for i, seed in enumerate(args.denormal_seeds):
        row = {"seed": seed}
        for flush in (False, True) if i % 2 == 0 else (True, False):
            torch.set_flush_denormal(flush)
            row[f"flush_{flush}"] = train("rnn", 0.0, seed)
        print(f"denormal seed {seed}: {row}", flush=True)
        record["denormal"].append(row)
        (out / "gating_seeds.json").write_text(json.dumps(record, indent=1))
    torch.set_flush_denormal(True)
    print()
    for name in CONFIGS:
        accuracies = [run["accuracy"] for run in record["runs"][name]]
        s = summary(accuracies)
        print(
            f"{name:12s} "
            + "  ".join(
                f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in s.items()
            )
        )
        record.setdefault("summary", {})[name] = s
    (out / "gating_seeds.json").write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
