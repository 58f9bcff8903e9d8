"""Lesson 11's claims, measured over seeds, with the lesson's own settings.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/capstone_seeds.py [--seeds 0 1 ... 19] [--epochs 3]

For each seed s, with the lesson's settings: the verses are generated with
torch.Generator().manual_seed(s) (800 for training, then 100 for validation; seed 0 gives the
lesson's text); the model is initialised after torch.manual_seed(s) (the lesson draws a few other
numbers first, so its weights are one more sample, not seed 0's): CharRNN with E=16, H=96, nn.RNN;
it is trained by truncated
BPTT over N=20 streams in chunks of L=50 steps, the state carried and detached (train.stream_epoch),
Adam lr 0.01, clipping at 1.0, for 3 epochs.

Prints one line per seed: the n-gram baselines on the validation stream (orders 1 to 5), the
training loss of the chunks at the lesson's sample points, the validation loss after each epoch,
the training-stream loss at the end, and the seconds it took. Then the minimum and maximum over
seeds of every number the lesson asserts. Not a test: the numbers vary slightly across CPUs.
"""

import argparse
import time

import torch

from rnn_course import data, train
from rnn_course.models import CharRNN

SETTINGS = dict(num_train=800, num_val=100, embed_size=16, hidden_size=96, num_streams=20)
CHUNK, LR, CLIP = 50, 0.01, 1.0
SAMPLE_STEPS = (10, 30, 110)  # the lesson prints a sample after these steps


def run(seed, epochs):
    corpus = data.verse_corpus(
        torch.Generator().manual_seed(seed), SETTINGS["num_train"], SETTINGS["num_val"]
    )
    vocab = corpus.vocab
    ngram = {n: data.ngram_loss([corpus.train], [corpus.val], vocab, n) for n in (1, 2, 3, 4, 5)}
    train_x, train_y = data.text_streams(corpus.train, vocab, SETTINGS["num_streams"])
    val_x, val_y = data.text_streams(corpus.val, vocab, 1)
    chunks = data.stream_chunks(train_x, train_y, CHUNK)
    torch.manual_seed(seed)
    model = CharRNN(vocab.size, SETTINGS["embed_size"], SETTINGS["hidden_size"])
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    step_losses, val = [], [train.stream_loss(model, val_x, val_y)]
    for _ in range(epochs):
        step_losses += train.stream_epoch(model, chunks, optimizer, CLIP)
        val.append(train.stream_loss(model, val_x, val_y))
    train_end = train.stream_loss(model, train_x, train_y)
    return ngram, step_losses, val, train_end


def summary(name, values):
    return f"{name}: min {min(values):+.3f}  max {max(values):+.3f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(20)))
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        start = time.perf_counter()
        ngram, steps, val, train_end = run(seed, args.epochs)
        rows.append((ngram, steps, val, train_end))
        print(
            f"seed {seed:2d}  "
            + " ".join(f"{n}-gram {v:.3f}" for n, v in ngram.items())
            + "  steps "
            + " ".join(f"{k}:{steps[k - 1]:.3f}" for k in SAMPLE_STEPS)
            + "  val "
            + " ".join(f"{v:.3f}" for v in val)
            + f"  train_end {train_end:.3f}  ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    print(f"over {len(rows)} seeds, {args.epochs} epochs:")
    print(summary("5-gram - final val", [r[0][5] - r[2][-1] for r in rows]))
    print(summary("4-gram - final val", [r[0][4] - r[2][-1] for r in rows]))
    print(summary("val after epoch 1 - 3-gram", [r[2][1] - r[0][3] for r in rows]))
    print(summary("final val - final train stream", [r[2][-1] - r[3] for r in rows]))
    print(
        summary(
            "each epoch lowers val (worst drop)",
            [min(a - b for a, b in zip(r[2], r[2][1:])) for r in rows],
        )
    )
    print(summary("chunk loss at step 10", [r[1][9] for r in rows]))
    print(summary("chunk loss at step 30", [r[1][29] for r in rows]))
    print(summary("chunk loss at step 110", [r[1][109] for r in rows]))
    print(summary("5-gram - 4-gram", [r[0][5] - r[0][4] for r in rows]))
    print(summary("4-gram - 3-gram", [r[0][4] - r[0][3] for r in rows]))


if __name__ == "__main__":
    main()
