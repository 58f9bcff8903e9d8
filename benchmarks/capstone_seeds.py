"""Lesson 11's claims, measured over seeds: n-gram baselines and the char RNN, on the same splits.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/capstone_seeds.py [--seeds 0 1 2 3 4] [--epochs 30]

For each seed s: the poems are split with torch.Generator().manual_seed(s) (seed 0 is the lesson's
split), the model is initialised after torch.manual_seed(s), and trained as in the lesson (CharRNN,
E=16, H=48, Adam lr 0.01, clip 1.0, batches of 16 lines). Prints, per seed, the validation loss of
the unigram, bigram, trigram, 4-gram and 5-gram models (rnn_course.data.ngram_loss) and, per epoch,
the RNN's training loss at the end of the epoch and its validation loss; then a summary: the best
epoch, the RNN's margin over each baseline at the lesson's epoch count, and whether validation rose
after its minimum. Not a test: the numbers vary slightly across CPUs.
"""

import argparse
import time

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_course import data
from rnn_course.models import CharRNN
from rnn_course.train import fit


def loss_fn(model, batch):
    targets = pack_padded_sequence(
        batch.targets, batch.lengths, batch_first=True, enforce_sorted=False
    )
    return F.cross_entropy(model(batch.inputs, batch.lengths), targets.data)


def run(seed, epochs, cell="rnn"):
    gen = torch.Generator().manual_seed(seed)
    dataset = data.rhyme_dataset(gen, val_fraction=0.2)
    vocab = dataset.vocab
    baselines = {n: data.ngram_loss(dataset.train, dataset.val, vocab, n) for n in (1, 2, 3, 4, 5)}
    torch.manual_seed(seed)
    model = CharRNN(vocab.size, cell=cell)
    val_batches = data.char_batches(dataset.val, vocab, batch_size=len(dataset.val))
    train_all = data.char_batches(dataset.train, vocab, batch_size=len(dataset.train))
    history = fit(
        model,
        loss_fn,
        lambda: data.char_batches(dataset.train, vocab, 16, generator=gen),
        val_batches,
        epochs=epochs,
        lr=0.01,
        clip=1.0,
        verbose=False,
        train_eval_batches=train_all,
    )
    return baselines, history


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lesson-epochs", type=int, default=12)
    parser.add_argument("--cell", default="rnn")
    args = parser.parse_args()
    start = time.perf_counter()
    for seed in args.seeds:
        baselines, history = run(seed, args.epochs, args.cell)
        val, train_end = history["val"], history["train_end"]
        best = min(range(len(val)), key=val.__getitem__)
        k = args.lesson_epochs
        print(f"seed {seed}: " + "  ".join(f"{n}-gram {v:.3f}" for n, v in baselines.items()))
        print("  val      " + " ".join(f"{v:.3f}" for v in val))
        print("  train_end" + " ".join(f" {v:.3f}" for v in train_end))
        print("  running  " + "      " + " ".join(f"{v:.3f}" for v in history["train"]))
        print(
            f"  best epoch {best} (val {val[best]:.3f}); at epoch {k}: val {val[k]:.3f}, margins "
            + "  ".join(f"{n}-gram {b - val[k]:+.3f}" for n, b in baselines.items())
            + f"; val rises after its minimum by {max(val[best:]) - val[best]:.3f}"
            + f"; train_end - val at epoch {k}: {train_end[k] - val[k]:+.3f}"
        )
    print(f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
