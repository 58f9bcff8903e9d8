"""Lesson 09's training claims, measured over seeds: plain SGD with and without clipping, then
momentum and Adam with clipping.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/clipping_seeds.py [--seeds 0 1 ... 19]

The lesson's set-up: ``gradients.first_symbol_task`` (64 sequences of 20 steps, data seed 0),
``gradients.LastStepClassifier`` (tanh, 16 units) seeded with ``torch.manual_seed(seed)``,
rho(W_hh) = 1, 100 full-batch steps of SGD at lr 0.3, once without clipping and once clipped at
max_norm = 1; then, clipped, SGD with momentum 0.9 at lr 0.1 and Adam at lr 0.01. For every seed it
prints the final losses, the largest raw gradient norms and the longest steps, and at the end how
many seeds satisfy each claim the lesson makes. Results go to
``benchmarks/results/clipping_seeds.json`` (git-ignored). Not a test.
"""

import argparse
import json
import pathlib

import torch

from rnn_course import gradients

MAX_NORM = 1.0


def fresh_model(seed):
    torch.manual_seed(seed)
    model = gradients.LastStepClassifier(input_size=2, hidden_size=16, num_classes=2)
    with torch.no_grad():
        model.rnn.weight_hh_l0.copy_(gradients.with_spectral_radius(model.rnn.weight_hh_l0, 1.0))
    return model


def run(seed, inputs, labels):
    row = {"seed": seed}
    for name, clip in (("plain", None), ("clipped", MAX_NORM)):
        h = gradients.train_steps(
            fresh_model(seed), inputs, labels, steps=100, lr=0.3, max_norm=clip
        )
        loss = h["loss"]
        row[name] = {
            "final_loss": loss[-1],
            "max_grad_norm": max(h["grad_norm"]),
            "max_clipped_grad_norm": max(h["clipped_grad_norm"]),
            "max_step": max(h["step_norm"]),
            "loss_steps_58_80": [min(loss[57:80]), max(loss[57:80])],
        }
    for name, make in (
        ("momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        ("adam", lambda p: torch.optim.Adam(p, lr=0.01)),
    ):
        h = gradients.train_steps(
            fresh_model(seed), inputs, labels, steps=100, max_norm=MAX_NORM, optimizer=make
        )
        row[name] = {"max_step": max(h["step_norm"]), "first_step": h["step_norm"][0]}
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(20)))
    args = parser.parse_args()
    torch.set_num_threads(1)
    inputs, labels = gradients.first_symbol_task(num_sequences=64, length=20, seed=0)
    rows = []
    for seed in args.seeds:
        row = run(seed, inputs, labels)
        rows.append(row)
        p, c = row["plain"], row["clipped"]
        print(
            f"seed {seed:2d}: final loss plain {p['final_loss']:.3f} clipped {c['final_loss']:.3f};"
            f" largest grad {p['max_grad_norm']:.3g} / {c['max_grad_norm']:.3g};"
            f" longest step momentum {row['momentum']['max_step']:.3f} adam {row['adam']['max_step']:.3f}",
            flush=True,
        )
    n = len(rows)
    claims = {
        "unclipped meets a gradient > max_norm": sum(
            r["plain"]["max_grad_norm"] > MAX_NORM for r in rows
        ),
        "clipped meets a gradient > max_norm": sum(
            r["clipped"]["max_grad_norm"] > MAX_NORM for r in rows
        ),
        "clipped final loss <= unclipped + 0.05": sum(
            r["clipped"]["final_loss"] <= r["plain"]["final_loss"] + 0.05 for r in rows
        ),
        "clipped final loss < 0.05": sum(r["clipped"]["final_loss"] < 0.05 for r in rows),
        "unclipped final loss < 0.05": sum(r["plain"]["final_loss"] < 0.05 for r in rows),
        "momentum step > lr * max_norm": sum(r["momentum"]["max_step"] > 0.1 for r in rows),
        "momentum step <= 10 lr * max_norm": sum(r["momentum"]["max_step"] <= 1.0 for r in rows),
        "adam step > lr * max_norm": sum(r["adam"]["max_step"] > 0.01 for r in rows),
    }
    print()
    for claim, count in claims.items():
        print(f"{count:2d}/{n}  {claim}")
    out = pathlib.Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "clipping_seeds.json").write_text(json.dumps({"rows": rows, "claims": claims}, indent=1))


if __name__ == "__main__":
    main()
