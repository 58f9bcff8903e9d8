"""How much slower the reference (``rnn_course.reference``) is than torch.nn, on one thread.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_reference.py [--repeat 15] [--length 100]

Four models, each the reference module and torch's with the same weights: an RNN, a 2-layer
bidirectional RNN, an LSTM and a GRU, at H_in=32, H_out=128, L=100, N=64 in float32. For each it
times the forward pass alone and the forward pass plus ``backward()`` of the output's sum, runs the
two libraries alternately (so a change in the machine's load hits both), and prints the medians and
their ratio, reference over torch. The aim is a ratio of at most 1.2 for forward+backward.
Not a test: timings depend on the machine and its load.
"""

import argparse
import statistics
import time

import torch
from torch import nn

from rnn_course import reference

H_IN, H_OUT, BATCH = 32, 128, 64

MODELS = {  # name: (torch class, reference class, keyword arguments)
    "RNN": (nn.RNN, reference.RNN, {}),
    "RNN 2-layer bidirectional": (
        nn.RNN,
        reference.RNN,
        {"num_layers": 2, "bidirectional": True},
    ),
    "LSTM": (nn.LSTM, reference.LSTM, {}),
    "GRU": (nn.GRU, reference.GRU, {}),
}


def twin_models(name):
    """A torch module and a reference module with the same weights."""
    torch_class, reference_class, options = MODELS[name]
    torch.manual_seed(0)
    theirs = torch_class(H_IN, H_OUT, **options)
    ours = reference_class(H_IN, H_OUT, **options)
    ours.load_state_dict(theirs.state_dict())
    return theirs, ours


def seconds(model, x, backward):
    """Wall time of one forward pass (and one backward pass of the output's sum when asked)."""
    model.zero_grad(set_to_none=True)
    start = time.perf_counter()
    output, _ = model(x)
    if backward:
        output.sum().backward()
    return time.perf_counter() - start


def medians(theirs, ours, x, backward, repeat):
    """Median seconds for torch and for the reference, timed alternately after one warm-up each."""
    times = {"torch": [], "reference": []}
    for _ in range(repeat + 1):
        times["torch"].append(seconds(theirs, x, backward))
        times["reference"].append(seconds(ours, x, backward))
    return {key: statistics.median(values[1:]) for key, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--length", type=int, default=100, help="L, the sequence length")
    args = parser.parse_args()
    torch.set_num_threads(1)
    x = torch.randn(args.length, BATCH, H_IN, generator=torch.Generator().manual_seed(1))
    print(
        f"H_in={H_IN} H_out={H_OUT} L={args.length} N={BATCH}, one thread, "
        f"medians of {args.repeat} (ms)"
    )
    print(f"{'model':<28} {'pass':<17} {'torch':>8} {'reference':>10} {'ratio':>6}")
    for name in MODELS:
        theirs, ours = twin_models(name)
        for backward in (False, True):
            x.requires_grad_(backward)
            m = medians(theirs, ours, x, backward, args.repeat)
            print(
                f"{name:<28} {'forward+backward' if backward else 'forward':<17} "
                f"{1000 * m['torch']:8.1f} {1000 * m['reference']:10.1f} "
                f"{m['reference'] / m['torch']:6.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
