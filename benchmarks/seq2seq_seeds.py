"""Lessons 15 and 16's claims about training, measured over 20 seeds: the encoder-decoder on the
reversal task with and without attention.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/seq2seq_seeds.py [--seeds 20] [--jobs 2]
        [--steps 150] [--batch-size 128] [--hidden-size 48] [--max-len 10]

For each seed s and each model (without, with attention), trains rnn_course.seq2seq's model as the
lessons do (rnn_course.seq2seq.measure: initialised from s, batches drawn from s) and measures exact
match at source lengths 2..max_len, token accuracy at max_len with teacher forcing and free running,
and the alignment hit rate. Prints one line per run, then, per claim, the minimum, mean and maximum
over seeds and whether it held on every seed. Results go to benchmarks/results/seq2seq_seeds.json.
Each run uses one thread; --jobs runs several at once. Not a test: the numbers vary slightly across
CPUs.
"""

import argparse
import json
import os
import time
from multiprocessing import Pool
from pathlib import Path

import torch

from rnn_course import seq2seq


def one_run(job):
    use_attention, seed, lengths, setup = job
    torch.set_num_threads(1)
    start = time.process_time()
    _, result = seq2seq.measure(use_attention, seed, lengths, setup)
    result.update(seed=seed, attention=use_attention, cpu_s=time.process_time() - start)
    label = "with" if use_attention else "without"
    exact = " ".join(f"{a:.2f}" for a in result["exact"])
    print(
        f"seed {seed:2d} {label:7s} attention: exact {exact} | teacher {result['teacher']:.3f} "
        f"free {result['free']:.3f} | {result['cpu_s']:.1f} s cpu",
        flush=True,
    )
    return result


def summary(name, values, test):
    held = all(test(v) for v in values)
    print(
        f"{name:58s} min {min(values):.3f} mean {sum(values) / len(values):.3f} "
        f"max {max(values):.3f}  held on all: {held}"
    )
    return held


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--steps", type=int, default=seq2seq.Setup.steps)
    parser.add_argument("--batch-size", type=int, default=seq2seq.Setup.batch_size)
    parser.add_argument("--hidden-size", type=int, default=seq2seq.Setup.hidden_size)
    parser.add_argument("--max-len", type=int, default=seq2seq.Setup.max_len)
    args = parser.parse_args()
    setup = seq2seq.Setup(
        steps=args.steps,
        batch_size=args.batch_size,
        hidden_size=args.hidden_size,
        max_len=args.max_len,
    )
    lengths = list(range(2, args.max_len + 1, 2))
    jobs = [(a, s, lengths, setup) for s in range(args.seeds) for a in (False, True)]
    with Pool(args.jobs) as pool:
        results = pool.map(one_run, jobs, chunksize=1)
    plain = [r for r in results if not r["attention"]]
    attended = [r for r in results if r["attention"]]
    print(f"\n{setup}, lengths {lengths}, {args.seeds} seeds")
    for k, n in enumerate(lengths):
        gaps = [b["exact"][k] - a["exact"][k] for a, b in zip(plain, attended)]
        summary(
            f"without attention, exact match at {n}", [r["exact"][k] for r in plain], lambda v: True
        )
        summary(
            f"with attention, exact match at {n}", [r["exact"][k] for r in attended], lambda v: True
        )
        summary(f"with minus without, same seed, at {n}", gaps, lambda v: v > 0)
    for name, runs in (("without", plain), ("with", attended)):
        gaps = [r["teacher"] - r["free"] for r in runs]
        summary(
            f"{name} attention: teacher minus free, tokens at {lengths[-1]}", gaps, lambda v: v > 0
        )
    summary(
        "alignment hit rate (with attention)", [r["alignment"] for r in attended], lambda v: True
    )
    summary("cpu seconds per run", [r["cpu_s"] for r in results], lambda v: True)
    out = Path(os.environ.get("OUT", Path(__file__).parent / "results")) / "seq2seq_seeds.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"setup": setup.__dict__, "lengths": lengths, "runs": results}, indent=1)
    )


if __name__ == "__main__":
    main()
