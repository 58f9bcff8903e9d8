"""What the from-scratch guard costs a learner's function in ``check()``, on one thread.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_guard.py [--repeat 7] [--calls 300]

The function is what a learner writes for an RNN layer: a Python loop over L=7 steps of matrix
products, additions and tanh, at N=3, H_in=4, H=5 in float64 (the size of a hidden case). It runs
``--calls`` times bare, then as many times each inside its own ``Guard`` (as ``check()`` runs it,
with every watch on: torch's RNN code, autograd), alternately ``--repeat`` times, and prints the
median time per call of each and their ratio. Not a test: timings depend on the machine and its load.
"""

import argparse
import statistics
import time

import torch

from rnn_course.exercises.guard import Guard

L, N, H_IN, H = 7, 3, 4, 5


def rnn_layer(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """x (L, N, H_in), h (N, H) -> output (L, N, H), h_n (N, H), as a learner writes it."""
    outputs = []
    for x_t in x:  # x_t: (N, H_in)
        h = torch.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)  # (N, H)
        outputs.append(h)
    return torch.stack(outputs), h  # (L, N, H), (N, H)


def _inputs():
    gen = torch.Generator().manual_seed(0)
    shapes = [(L, N, H_IN), (N, H), (H, H_IN), (H, H), (H,), (H,)]
    return [torch.randn(*shape, generator=gen, dtype=torch.float64) for shape in shapes]


def _per_call_us(calls, guarded, inputs):
    start = time.perf_counter()
    for _ in range(calls):
        if guarded:
            with Guard(forbid_rnn=True, forbid_autograd=True):
                rnn_layer(*inputs)
        else:
            rnn_layer(*inputs)
    return (time.perf_counter() - start) / calls * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    torch.set_num_threads(1)
    inputs = _inputs()
    times = {False: [], True: []}
    for _ in range(args.repeat):
        for guarded in times:
            times[guarded].append(_per_call_us(args.calls, guarded, inputs))
    bare, guarded = (statistics.median(times[g]) for g in (False, True))
    print(f"bare:    {bare:7.0f} us per call (median of {args.repeat})")
    print(f"guarded: {guarded:7.0f} us per call")
    print(f"ratio:   {guarded / bare:7.2f}")


if __name__ == "__main__":
    main()
