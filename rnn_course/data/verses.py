"""Nursery-style verses generated from a small grammar, written for this course (no outside text).

A verse is four lines; lines 2 and 4 end on words that rhyme, so the end of a verse depends on a
word read about one line earlier: a memory a short n-gram does not have. Every choice is drawn from
a ``torch.Generator``, so a seed always gives the same text.

    text = generate_verses(torch.Generator().manual_seed(0), num_verses=800)
    print(text[:200])
"""

import torch

NAMES = ("jack", "jill", "polly", "tommy", "mary", "simon", "betty", "willy", "lucy", "robin")
ANIMALS = ("cat", "dog", "cow", "pig", "mouse", "lamb", "goose", "hen", "fox", "sheep", "owl")
ADJECTIVES = ("little", "old", "merry", "black", "white", "sleepy", "jolly", "tiny", "fine")
VERBS = ("ran", "went", "jumped", "danced", "crept", "hopped", "walked", "flew", "sang")
PLACES = ("the hill", "the wall", "the town", "the well", "the mill", "the fair", "the door")
THINGS = ("a pail of water", "a silver pin", "a bag of wool", "a loaf of bread", "a penny bun")
TIMES = ("one fine day", "in the morning", "at the end of the day", "late at night", "in the rain")

# Rhyme families: the last word of line 4 comes from the family of line 2's last word.
RHYMES = (
    ("moon", "spoon", "tune", "june", "noon"),
    ("cake", "lake", "bake", "wake", "snake"),
    ("tree", "sea", "tea", "bee", "key"),
    ("bed", "bread", "red", "thread", "shed"),
    ("hat", "mat", "cat", "rat", "flat"),
    ("light", "night", "bright", "kite", "white"),
)


def _pick(options, gen):
    return options[int(torch.randint(len(options), (1,), generator=gen))]


def _opening(gen):
    """Line 1: who, and what they did."""
    who = _pick(
        (
            f"{_pick(NAMES, gen)} and {_pick(NAMES, gen)}",
            f"the {_pick(ADJECTIVES, gen)} {_pick(ANIMALS, gen)}",
            f"{_pick(NAMES, gen)}'s {_pick(ANIMALS, gen)}",
        ),
        gen,
    )
    return f"{who} {_pick(VERBS, gen)} up to {_pick(PLACES, gen)},"


def _rhyming_line(word, gen):
    """A line that ends on ``word``."""
    start = _pick(
        (
            f"to fetch {_pick(THINGS, gen)} and",
            f"{_pick(TIMES, gen)} to see the",
            "and sang a song about the",
            f"the {_pick(ANIMALS, gen)} looked up at the",
        ),
        gen,
    )
    return f"{start} {word}"


def _middle(gen):
    """Line 3: what happened next."""
    return _pick(
        (
            f"{_pick(TIMES, gen)} the {_pick(ANIMALS, gen)} {_pick(VERBS, gen)} by,",
            f"then down {_pick(PLACES, gen)} the {_pick(ADJECTIVES, gen)} {_pick(ANIMALS, gen)} "
            f"{_pick(VERBS, gen)},",
            f"and {_pick(NAMES, gen)} {_pick(VERBS, gen)} with {_pick(THINGS, gen)},",
        ),
        gen,
    )


def verse(gen):
    """Four lines (a list of str): lines 2 and 4 end on two different words of one rhyme family."""
    family = _pick(RHYMES, gen)
    first, second = (family[int(i)] for i in torch.randperm(len(family), generator=gen)[:2])
    return [
        _opening(gen),
        _rhyming_line(first, gen) + ";",
        _middle(gen),
        _rhyming_line(second, gen) + ".",
    ]


def generate_verses(gen, num_verses):
    """``num_verses`` verses as one text: lines end with '\\n', a blank line follows every verse."""
    return "".join("\n".join(verse(gen)) + "\n\n" for _ in range(num_verses))
