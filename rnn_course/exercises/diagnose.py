"""Naming the likely mistake behind a failed run, and reading an answer into its named outputs.

``diagnose`` looks, in this order, for:

1. the first catalogued Mistake of the exercise that behaves like the learner's function on every
   case run (the same answer, or the same error);
2. an answer that changed when the function ran again on the same inputs (``Outcome.varies``):
   something draws at random where the answer is fixed;
3. an altered input under which torch's answer (``Exercise.solve``) is the learner's: an argument
   left out, a square weight (or each gate's square block) transposed, an incoming gradient not
   multiplied in, one input used where another belongs, a layer's entries taken from layer 0, a mask
   inverted, a literal 0 for an index, x without its first step (h0 kept as the first row or not),
   h0's rows carried over or indexed by another formula, every target given to every position, or
   torch's computation changed inside: (``Exercise.slopes``) a nonlinearity's slope written wrong or
   a product's factors given the wrong partners, (``Exercise.gates``) a gate's complement, a gate
   left out or the other squashing function where the gate is used;
4. a cause read off the wrong answers or the error by ``diagnosis`` (no catalogue needed), including
   torch's numbers in another kind of dtype and a dict's keys or form.

What it finds is a ``Diagnosis``: the mistake's identifier (``CheckResult.mistake``) and its message.
``answer_items`` and ``expected_items`` read an answer into named outputs (``judge`` uses them too).

Uses ``registry`` (Mistake), ``core`` (Outcome, clone: the learner's run), ``diagnosis`` and ``plain``.
Runs in trusted code only.
"""

import itertools
import os
import re
from dataclasses import dataclass

import torch

from . import diagnosis
from .core import Outcome, clone
from .plain import Foreign, type_name
from .registry import Mistake

# ---------------------------------------------------------------------------------------------
# Reading an answer into its named outputs
# ---------------------------------------------------------------------------------------------


def output_names(exercise, expected):
    if isinstance(
        expected, dict
    ):  # one output name for the whole dict names its entries grads['x']
        prefix = exercise.output_names[0] if len(exercise.output_names) == 1 else ""
        return [f"{prefix}[{k!r}]" if prefix else k for k in expected]
    count = len(_flat(expected)) if isinstance(expected, tuple) else 1
    names = list(exercise.output_names)
    return names[:count] + [f"output {i}" for i in range(len(names), count)]


def expected_items(exercise, case):
    """(name, expected tensor, symbolic shape) for each output of a case."""
    expected = case.expected
    names = output_names(exercise, expected)
    values = (
        list(expected.values())
        if isinstance(expected, dict)
        else _flat(expected)
        if isinstance(expected, tuple)
        else [expected]
    )
    shapes = list(case.shapes) + [""] * len(values)
    return _flatten_lists(zip(names, values, shapes))


def _flat(expected):
    """The outputs of a tuple, with nested tuples such as (output, (h_n, c_n)) spread out."""
    return [leaf for v in expected for leaf in (_flat(v) if isinstance(v, tuple) else [v])]


def _flatten_lists(items):
    """Expand an output that is a list of tensors into one item per tensor, named `name[i]`."""
    flat = []
    for name, value, shape in items:
        if isinstance(value, list):
            flat.extend((f"{name}[{i}]", v, "") for i, v in enumerate(value))
        else:
            flat.append((name, value, shape))
    return flat


def answer_items(exercise, case, value):
    """The learner's outputs in the expected order, or a message saying why they cannot be read."""
    expected = case.expected
    if isinstance(expected, torch.Tensor):
        return [value], None
    if isinstance(expected, tuple) and any(isinstance(v, tuple) for v in expected):
        return _unpack_nested(exercise, expected, value)
    if isinstance(expected, tuple):
        want = ", ".join(output_names(exercise, expected))
        if not isinstance(value, (tuple, list)):
            return (
                None,
                f"your function should return a tuple ({want}), but it returned {a_or_an(value)}",
            )
        if len(value) != len(expected):
            return (
                None,
                f"your function should return {len(expected)} values ({want}), but it returned {len(value)}",
            )
        return _unpack_lists(output_names(exercise, expected), expected, value)
    if not isinstance(value, dict):
        return (
            None,
            f"your function should return a dict with keys {list(expected)}, but it returned {a_or_an(value)}",
        )
    missing = [k for k in expected if k not in value]
    extra = [k for k in value if k not in expected]
    if missing or extra:
        parts = ([f"missing {missing}"] if missing else []) + (
            [f"unexpected {extra}"] if extra else []
        )
        return None, f"your dict should have exactly the keys {list(expected)}: " + "; ".join(parts)
    return [value[k] for k in expected], None


def _nested_form(names, expected):
    """'(output, (h_n, c_n))': the form of a nested tuple of outputs, in the learner's names."""
    names = iter(names)
    return (
        "("
        + ", ".join(
            _nested_form(names, v) if isinstance(v, tuple) else next(names) for v in expected
        )
        + ")"
    )


def _unpack_nested(exercise, expected, value):
    """The learner's outputs of a nested tuple such as (output, (h_n, c_n)), flattened in order."""
    form = _nested_form(iter(exercise.output_names), expected)

    def leaves(want, got):
        if not isinstance(want, tuple):
            return [got]
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            raise ValueError
        return [leaf for w, g in zip(want, got) for leaf in leaves(w, g)]

    try:
        return leaves(expected, value), None
    except ValueError:
        return (
            None,
            f"your function should return {form}, but it returned {a_or_an(value)} of another form",
        )


def _unpack_lists(names, expected, value):
    """The learner's outputs with each list-of-tensors output spread out, as ``_flatten_lists`` does."""
    answers = []
    for name, want, got in zip(names, expected, value):
        if not isinstance(want, list):
            answers.append(got)
        elif not isinstance(got, (tuple, list)):
            return (
                None,
                f"`{name}` should be a list of {len(want)} tensors, but it is {a_or_an(got)}",
            )
        elif len(got) != len(want):
            return (
                None,
                f"`{name}` should be a list of {len(want)} tensors, but yours has {len(got)}",
            )
        else:
            answers.extend(got)
    return answers, None


def a_or_an(value):
    if value is None:
        return "None (did you forget the `return` statement?)"
    name = type_name(value)
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


# ---------------------------------------------------------------------------------------------
# Naming the likely mistake
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnosis:
    """A likely mistake: ``name``, a snake_case identifier (a catalogued mistake's own, or one of the
    general causes: ``wrong_signature``, ``float32``, ``zero_<input>``, ``ones_<input>``,
    ``transposed_<input>``, ``relation_to_torch``, ``error_as_cause``), and the learner's ``message``."""

    name: str
    message: str


def diagnose(exercise, cases, outcomes):
    """The likely mistake behind a failed run: a Diagnosis, or None.

    1. The first catalogued Mistake that behaves like the learner's function on every case run. Behaving
       alike means returning the same answer, or raising the same error (same type, same kind of
       message, same sizes in it). There must be evidence: a wrong answer, or an error specific enough
       to stand on its own (a known kind that names sizes); a generic error names no mistake.
    2. Otherwise an altered input under which torch's answer is the learner's.
    3. Otherwise a cause read off the answers or the error by ``diagnosis`` (no catalogue needed).

    When the function failed only because it made a float32 tensor (a dtype error, or float32 answers),
    the answer it gives with float64 as torch's default dtype stands in for the failed one, and the
    float32 cause is added to the message.
    """
    evidence, probed = _evidence(cases, outcomes)
    if outcomes and outcomes[-1].bad_call:
        return Diagnosis(
            "wrong_signature",
            f"your function's parameters do not fit the call: the signature should be {exercise.signature}",
        )
    other_kind = _other_kind_of_output(exercise, zip(cases, outcomes))
    if other_kind:
        return other_kind
    if probed and all(not _returned_wrong(c, o, exercise) for c, o in evidence if o.error is None):
        return Diagnosis("float32", diagnosis.DTYPE_CAUSE)
    found = (
        _catalogued(exercise, evidence)
        or _varies(evidence)
        or _altered_input(exercise, evidence)
        or _extra_term(exercise, evidence)
        or _where_wrong(exercise, evidence)
        or _in_some_outputs(exercise, evidence)
        or _uncatalogued(exercise, evidence)
    )
    if probed:
        if found is None:
            return Diagnosis("float32", diagnosis.DTYPE_CAUSE)
        return Diagnosis(found.name, f"{found.message}; besides, {diagnosis.DTYPE_CAUSE}")
    return found


def _evidence(cases, outcomes):
    """[(case, outcome)] with any float64 probe answer standing in for a float32 failure; and whether one did."""
    evidence, probed = [], False
    for case, outcome in zip(cases, outcomes):
        if outcome.probe is not None and outcome.error in (None, "exception"):
            outcome, probed = Outcome(value=outcome.probe), True
        evidence.append((case, outcome))
    return evidence, probed


def _catalogued(exercise, evidence):
    if not any(_is_evidence(c, o, exercise) for c, o in evidence):
        return None
    for mistake in exercise.mistakes:
        if all(
            _behaves_alike(mistake, c, o, exercise)
            for c, o in evidence
            if o.error in (None, "exception")
        ):
            return Diagnosis(mistake.name, mistake.message)
    return None


RANDOM_CAUSE = (
    "your function gives another answer when it runs again on the same inputs: something in it draws "
    "at random (torch.multinomial, torch.rand, dropout, which is on unless training=False) or keeps "
    "state from one call to the next, where this answer is fixed by the inputs alone (a greedy choice "
    "is the argmax)"
)


def _varies(evidence):
    """A Diagnosis when a second run on the same inputs gave another answer (``Outcome.varies``)."""
    if any(outcome.varies for _, outcome in evidence):
        return Diagnosis("answer_varies", RANDOM_CAUSE)
    return None


def _altered_input(exercise, evidence):
    """The first alteration of one input under which torch's answer (``exercise.solve``) is the learner's."""
    if exercise.solve is None or not any(_returned_wrong(c, o, exercise) for c, o in evidence):
        return None  # an altered input that only raises says nothing: its error is the alteration's
    evidence = (
        sorted(  # a wrong one first (fast), the one with the most dict entries (layers) first
            evidence,
            key=lambda item: (not _returned_wrong(*item, exercise), -_entries(item[0].args)),
        )
    )
    for mistake in _alterations_of(exercise, evidence[0][0]):
        if all(
            _behaves_alike(mistake, c, o, exercise)
            for c, o in evidence
            if o.error in (None, "exception")
        ):
            return Diagnosis(mistake.name, mistake.message)
    return None


def _extra_term(exercise, evidence):
    """A gradient that is torch's plus an incoming gradient (``grad_*``), itself or times a factor
    between 0 and 1 (a gate): the same extra term in every wrong case, and nowhere else."""
    incoming = [n for n in exercise.arg_names if n.startswith("grad")]
    found = set()
    for case, outcome in evidence:
        if not _returned_wrong(case, outcome, exercise):
            if outcome.error is not None:
                return None
            continue
        answers, problem = answer_items(exercise, case, outcome.value)
        if problem:
            return None
        wrong = [
            (name, expected, got)
            for (name, expected, _), got in zip(expected_items(exercise, case), answers)
            if not _same_answer(expected, got, exercise)
        ]
        if len(wrong) != 1 or not isinstance(wrong[0][2], torch.Tensor):
            return None
        name, expected, got = wrong[0]
        terms = dict(zip(exercise.arg_names, case.args))
        kinds = {
            (name, g, _term_kind(got.to(expected.dtype) - expected, terms[g]))
            for g in incoming
            if isinstance(terms[g], torch.Tensor) and terms[g].shape == expected.shape
        }
        found.add(frozenset(k for k in kinds if k[2]))
    if len(found) != 1 or len(next(iter(found))) != 1:
        return None
    name, g, kind = next(iter(next(iter(found))))
    times = "" if kind == "itself" else " times a factor between 0 and 1 (a gate)"
    source = re.search(r"\['(\w+)'\]", name)
    source = source[1] if source else name
    target = g.removeprefix("grad_")
    return Diagnosis(
        "extra_term",
        f"your {name} is torch's plus {g}{times}: a second road, as if {source} also reached "
        f"{target} directly; {source} reaches {target} only through its weights inside the "
        "pre-activations (and the nonlinearities after them), so its gradient comes back by that "
        "road alone",
    )


def _term_kind(difference, term):
    """'itself' when ``difference`` is ``term``, 'gate' when it is ``term`` times factors strictly
    between 0 and 1 that vary, '' otherwise."""
    if torch.allclose(difference, term, rtol=1e-6, atol=1e-9):
        return "itself"
    big = term.abs() > 1e-3
    if big.sum() < 2 or (difference[~big].abs() > 1e-6).any():
        return ""
    ratio = difference[big] / term[big]
    if ((ratio > 1e-6) & (ratio < 1 - 1e-6)).all() and ratio.std() > 1e-3:
        return "gate"
    return ""


def _where_wrong(exercise, evidence):
    """A catalogued mistake or an altered input that behaves like the learner's function on every case
    it gets wrong, when it gets others right: the slip sits in a branch that only some cases take
    (the two-direction path, the layers above the first). At least one wrong answer must match, and
    on the cases the learner gets right the mistake must keep torch's shapes (a slip of values, not of
    layout, which a right answer would show)."""
    wrong = [
        (c, o) for c, o in evidence if o.error == "exception" or _returned_wrong(c, o, exercise)
    ]
    right = [c for c, o in evidence if o.error is None and not _returned_wrong(c, o, exercise)]
    if not right or not any(o.error is None for _, o in wrong):
        return None
    found = _catalogued(exercise, wrong) or _altered_input(exercise, wrong)
    if found is None:
        return None
    mistake = next(
        (
            m
            for m in (*exercise.mistakes, *_alterations_of(exercise, right[0]))
            if m.name == found.name
        ),
        None,
    )
    if mistake is None or not all(
        _same_shapes(_run_mistake(mistake, case), case.expected) for case in right
    ):
        return None
    return Diagnosis(
        found.name,
        f"{found.message} (this fits every case your answer gets wrong; those it gets right, such as "
        f"{right[0].label}, do not reach that slip)",
    )


def _in_some_outputs(exercise, evidence):
    """A catalogued mistake or an altered input whose answer is the learner's in every output the
    learner gets wrong, while the learner's other outputs are torch's: a slip in the formula of
    those outputs alone (one gradient of several, say)."""
    returned = [(c, o) for c, o in evidence if o.error is None]
    if len(returned) < len(evidence) or not any(
        _returned_wrong(c, o, exercise) for c, o in returned
    ):
        return None
    if len(expected_items(exercise, returned[0][0])) < 2:
        return None
    read = []
    for case, outcome in returned:
        answers, problem = answer_items(exercise, case, outcome.value)
        if problem:
            return None
        read.append((case, answers))
    for mistake in (*exercise.mistakes, *_alterations_of(exercise, read[0][0])):
        names = _outputs_it_explains(exercise, mistake, read)
        if names:
            return Diagnosis(
                mistake.name,
                f"{mistake.message}; this holds in {', '.join(names)} only, and your other outputs "
                "are right, so look at the formula of those alone",
            )
    return None


def _outputs_it_explains(exercise, mistake, read):
    """The names of the outputs where the learner's answers (``read``: (case, answers)) are the
    mistake's and not torch's, when every other output is torch's; None when that does not hold."""
    names = []
    for case, answers in read:
        theirs = _run_mistake(mistake, case)
        if isinstance(theirs, _Raised):
            return None
        items, problem = answer_items(exercise, case, theirs)
        if problem:
            return None
        for (name, expected, _), got, alt in zip(expected_items(exercise, case), answers, items):
            if _same_answer(expected, got, exercise):
                continue
            if not _same_answer(alt, got, exercise) or _constant(alt):
                return None  # a constant (all zeros) fits many slips, so it names none
            names += [name] if name not in names else []
    return names or None


def _constant(t):
    """True for a tensor whose entries are all one number."""
    return isinstance(t, torch.Tensor) and t.numel() > 0 and bool((t == t.flatten()[0]).all())


def _same_shapes(a, b):
    """True when ``a`` and ``b`` are tensors, or nested tuples, lists or dicts of them, of the same shapes."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same_shapes(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_shapes(a[k], b[k]) for k in a)
    return type(a) is type(b)


def _entries(args):
    """How many entries the dict arguments of a case hold (a stacked RNN's parameters: 4 per layer)."""
    return sum(len(arg) for arg in args if isinstance(arg, dict))


_ALTERED = {
    "zero": (
        "your answer is torch's with `{name}` set to zero: `{name}` is left out somewhere",
        torch.zeros_like,
    ),
    "ones": (
        "your answer is torch's with `{name}` all ones: `{name}` is not multiplied in",
        torch.ones_like,
    ),
    "transposed": (
        "your answer is torch's with `{name}` transposed: it is used the wrong way round",
        lambda t: t.T.contiguous(),
    ),
    "blocks": (
        "your answer is torch's with each gate's square block of `{name}` transposed: a block cut "
        "out of `{name}` is multiplied without .T (square blocks hide the slip)",
        lambda t: torch.cat([block.T for block in t.chunk(t.shape[0] // t.shape[1])]),
    ),
    "doubled": (
        "your answer is torch's with `{name}` doubled: `{name}` is added twice",
        lambda t: 2 * t,
    ),
    "squashed": (
        "your answer is torch's with `{name}` passed through tanh first: a state is already the "
        "output of a squashing function and enters the next product as it is",
        torch.tanh,
    ),
}

_STATES = ("h", "h0", "hx")  # a recurrent state handed in: already squashed, never squashed again


def _square_blocks(t):
    """True for a gated cell's stacked weight, (k*H, H) with k = 3 or 4: k square blocks, one per gate."""
    return t.dim() == 2 and t.shape[1] > 1 and t.shape[0] in (3 * t.shape[1], 4 * t.shape[1])


def _reshaped(t):
    """(A, B, ...) read as (B, A, ...) by reshape, then put back by a true transpose."""
    return t.reshape(t.shape[1], t.shape[0], *t.shape[2:]).transpose(0, 1).contiguous()


def _alike_pairs(exercise, args, pairs):
    """((i, name), (j, name)) for floating-point arguments of one shape and different values, paired
    by ``pairs`` (itertools.combinations or permutations)."""
    tensors = [
        (i, name)
        for i, (name, arg) in enumerate(zip(exercise.arg_names, args))
        if isinstance(arg, torch.Tensor) and arg.is_floating_point()
    ]
    for (i, a), (j, b) in pairs(tensors, 2):
        if args[i].shape == args[j].shape and not torch.equal(args[i], args[j]):
            yield (i, a), (j, b)


def _swapped_pairs(exercise, args):
    """Two floating-point arguments of one shape passed in each other's places (h and c, for one)."""
    for (i, a), (j, b) in _alike_pairs(exercise, args, itertools.combinations):
        yield Mistake(
            _identifier("swapped", a, b),
            f"your answer is torch's with `{a}` and `{b}` in each other's places: check the order "
            "of the arguments where you pass them, and where you unpack them",
            _swapped_solve(exercise.solve, i, j),
        )


def _swapped_solve(solve, i, j):
    def altered(*args):
        args = list(args)
        args[i], args[j] = args[j], args[i]
        return solve(*args)

    return altered


def _in_place_of(exercise, args):
    """One floating-point argument used where another of the same shape belongs (f * h where f * c
    belongs, bias_ih added where bias_hh belongs): a copy-paste slip or a mixed-up name."""
    for (i, a), (j, b) in _alike_pairs(exercise, args, itertools.permutations):
        yield Mistake(
            _identifier(a, "in_place_of", b),
            f"your answer is torch's with `{a}` used where `{b}` belongs: `{b}` is never used, "
            f"`{a}` is used twice",
            _copied_solve(exercise.solve, i, j),
        )


def _copied_solve(solve, i, j):
    def altered(*args):
        args = list(args)
        args[j] = args[i]
        return solve(*args)

    return altered


def _int_alterations(exercise, args):
    """An integer argument (an index such as pad_index) replaced by a literal 0."""
    for position, (name, arg) in enumerate(zip(exercise.arg_names, args)):
        if isinstance(arg, int) and not isinstance(arg, bool) and arg != 0:
            yield Mistake(
                _identifier("literal_0_for", name),
                f"your answer is torch's with `{name}` = 0: a literal 0 stands where `{name}` belongs",
                _altered_solve(exercise.solve, position, None, lambda value: 0),
            )


def _mask_alterations(exercise, args):
    """A boolean tensor (a mask) read the other way round: True taken for False."""
    for position, (name, arg) in enumerate(zip(exercise.arg_names, args)):
        if isinstance(arg, torch.Tensor) and arg.dtype == torch.bool:
            yield Mistake(
                _identifier("inverted", name),
                f"your answer is torch's with `{name}` inverted: you treat the positions where `{name}` "
                "is True as those where it is False; check which value marks what",
                _altered_solve(exercise.solve, position, None, _inverted),
            )


def _inverted(mask):
    """``mask`` with True and False swapped; None (no mask) stays None."""
    return None if mask is None else torch.logical_not(mask)


def _time_reversed(exercise, args):
    """A sequence input read from its last step to its first: ``x`` is (L, N, H_in), or (N, L, H_in)
    with batch_first=True."""
    if "x" not in exercise.arg_names:
        return
    position = exercise.arg_names.index("x")
    x = args[position]
    if not (isinstance(x, torch.Tensor) and x.dim() == 3):
        return
    flag = exercise.arg_names.index("batch_first") if "batch_first" in exercise.arg_names else None

    def altered(*args):
        args = list(args)
        args[position] = args[position].flip(1 if flag is not None and args[flag] is True else 0)
        return exercise.solve(*args)

    yield Mistake(
        "x_read_backwards",
        "your answer is torch's with `x` read from its last step to its first: the forward "
        "direction reads x_1 first and x_L last (x[t - 1] for t = 1..L)",
        altered,
    )

    def one_step(*args):
        args = list(args)
        axis = 1 if flag is not None and args[flag] is True else 0
        first = args[position].narrow(axis, 0, 1)
        args[position] = first.expand_as(args[position]).contiguous()
        return exercise.solve(*args)

    yield Mistake(
        "x_1_at_every_step",
        "your answer is torch's with `x` holding x_1 at every step: each step reads the first "
        "input, where step t reads its own, x_t (x[t - 1] for t = 1..L)",
        one_step,
    )


def _first_step_skipped(exercise, args):
    """A loop that starts one step late: torch's answer for ``x`` without its first step, and with a
    2-D ``h0`` also that answer with h0 stored as the output's first row. With one step nothing is
    read: the output is h0 alone (or a stack of nothing), and the final states are the initial ones."""
    names = exercise.arg_names
    if "x" not in names or "h0" not in names:
        return
    position = names.index("x")
    if not (isinstance(args[position], torch.Tensor) and args[position].dim() == 3):
        return
    flag = names.index("batch_first") if "batch_first" in names else None
    starts = [names.index(n) for n in ("h0", "c0") if n in names]
    two_d = args[names.index("h0")].dim() == 2
    for keep_h0 in (True, False) if two_d else (False,):
        yield Mistake(
            "h0_in_first_row" if keep_h0 else "first_step_skipped",
            "your answer is torch's for `x` without its first step"
            + (", with h0 stored as the output's first row" if keep_h0 else "")
            + ": the loop starts one step late, so x_1 is never read"
            + (" and h0 stands where the first step's state belongs" if keep_h0 else "")
            + " (t runs over 1..L and reads x[t - 1])",
            _skipping_solve(exercise.solve, position, flag, starts, keep_h0),
        )


def _skipping_solve(solve, position, flag, starts, keep_h0):
    def altered(*args):
        args = list(args)
        axis = 1 if flag is not None and args[flag] is True else 0
        x = args[position]
        if x.shape[axis] > 1:
            args[position] = x.narrow(axis, 1, x.shape[axis] - 1)
            answer = solve(*args)
            first = _flat(answer)[0] if isinstance(answer, tuple) else answer
            if not keep_h0:
                return answer
            joined = torch.cat([args[starts[0]].unsqueeze(axis), first], axis)
            return _with_first(answer, joined)
        if not keep_h0:
            return torch.stack([])  # a loop that never runs has nothing to stack
        answer = solve(*args)
        initial = iter([args[i] for i in starts])
        leaves = [args[starts[0]].unsqueeze(axis)] + [next(initial) for _ in _flat(answer)[1:]]
        return _rebuilt(answer, iter(leaves))

    return altered


def _with_first(answer, first):
    """``answer`` (a tensor, or a possibly nested tuple) with its first leaf replaced by ``first``."""
    if not isinstance(answer, tuple):
        return first
    leaves = [first] + _flat(answer)[1:]
    return _rebuilt(answer, iter(leaves))


def _rebuilt(answer, leaves):
    """``answer``'s nested tuple form, filled with ``leaves`` in order."""
    if isinstance(answer, tuple):
        return tuple(_rebuilt(part, leaves) for part in answer)
    return next(leaves)


def _h0_rows(exercise, args):
    """Initial states read from the wrong row of a 3-D ``h0`` (one row per layer and direction): each
    row after the first replaced by the final state of the row before it (a state carried over from
    the layer below or the other direction), or, with num_layers and bidirectional arguments, the
    rows indexed by another formula than k * D + d."""
    names = exercise.arg_names
    if "h0" not in names:
        return
    position = names.index("h0")
    h0 = args[position]
    if not (isinstance(h0, torch.Tensor) and h0.dim() == 3 and h0.shape[0] > 1):
        return
    yield Mistake(
        "state_carried_into_h0",
        "your answer is torch's with every row of `h0` after the first replaced by the final state "
        "of the row before it: a layer or direction starts from the state another one finished with, "
        "where it starts from its own row of h0",
        _carried_solve(exercise.solve, position),
    )
    if "num_layers" in names and "bidirectional" in names:
        for written, row in _H0_ROW_FORMULAS.items():
            yield Mistake(
                _identifier("h0_row", written),
                f"your answer is torch's with layer k, direction d starting from h0[{written}] where "
                "h0[k * D + d] belongs (D = 2 with two directions, else 1): h0's rows go layer by "
                "layer, each layer's forward row and then its backward row",
                _reindexed_solve(exercise.solve, position, names, row),
            )


_H0_ROW_FORMULAS = {
    "k": lambda k, d, layers: k,
    "k + d": lambda k, d, layers: k + d,
    "d * num_layers + k": lambda k, d, layers: d * layers + k,
}


def _carried_solve(solve, position):
    def altered(*args):
        args = list(args)
        h0 = args[position].clone()
        for row in range(1, h0.shape[0]):
            args[position] = h0
            finals = [t for t in _leaves(solve(*args)) if t.shape == h0.shape]
            h0 = h0.clone()
            h0[row] = finals[0][row - 1]
        args[position] = h0
        return solve(*args)

    return altered


def _reindexed_solve(solve, position, names, row):
    def altered(*args):
        args = list(args)
        layers = args[names.index("num_layers")]
        directions = 2 if args[names.index("bidirectional")] else 1
        h0 = args[position]
        picks = [row(k, d, layers) for k in range(layers) for d in range(directions)]
        if max(picks) >= h0.shape[0]:
            raise IndexError(f"index {max(picks)} is out of bounds for h0's rows")
        args[position] = h0[picks]
        return solve(*args)

    return altered


def _leaves(answer):
    return _flat(answer) if isinstance(answer, tuple) else [answer]


def _every_target(exercise, args):
    """A tensor of class indices (an argument named like ``targets``) used whole where each position
    takes its own entry: the answer averaged over every target given to every position."""
    for position, (name, arg) in enumerate(zip(exercise.arg_names, args)):
        if "target" not in name and name != "tgt":
            continue
        if not (
            isinstance(arg, torch.Tensor) and arg.dtype == torch.int64 and 1 < arg.numel() <= 64
        ):
            continue
        yield Mistake(
            _identifier("every", name, "for_each_position"),
            f"your answer is torch's averaged over every entry of `{name}` given to every position: each "
            f"position is scored against all the targets where it takes only its own (indexing the "
            f"class axis with the whole `{name}` tensor pairs every position with every target)",
            _every_target_solve(exercise.solve, position),
        )


def _every_target_solve(solve, position):
    def altered(*args):
        args = list(args)
        targets = args[position]
        answers = []
        for value in targets.flatten():
            args[position] = torch.full_like(targets, int(value))
            answers.append(solve(*args))
        return torch.stack(answers).mean(0)

    return altered


def _layout_alterations(exercise, args):
    """For an exercise with a batch_first flag: a 3-D input whose time and batch axes were swapped
    with reshape or view (which keep the numbers' order in memory) in one of the two layouts."""
    if "batch_first" not in exercise.arg_names:
        return
    flag = exercise.arg_names.index("batch_first")
    for position, (name, arg) in enumerate(zip(exercise.arg_names, args)):
        if not (isinstance(arg, torch.Tensor) and arg.is_floating_point() and arg.dim() == 3):
            continue
        for layout in (True, False):
            yield Mistake(
                _identifier("reshaped", name),
                f"with batch_first={layout}, your answer is torch's with the time and batch axes of "
                f"`{name}` swapped by reshape or view, which keep the order of the numbers in memory: "
                "swapping two axes takes transpose or permute",
                _altered_when(exercise.solve, position, flag, layout),
            )


def _output_layout_inverted(exercise, args):
    """For an exercise with a batch_first flag whose first output is `output`: that output with its
    first two axes swapped whatever the flag says (the condition on the way out inverted)."""
    if "batch_first" not in exercise.arg_names or exercise.output_names[:1] != ("output",):
        return
    yield Mistake(
        "output_layout_inverted",
        "your `output` comes out with its time and batch axes swapped under both settings of "
        "batch_first: the condition that decides whether to move them back on the way out is the "
        "wrong way round (batch_first=True wants (N, L, ...), batch_first=False (L, N, ...))",
        _swapped_output(exercise.solve),
    )


def _swapped_output(solve):
    def altered(*args):
        answer = solve(*args)
        if isinstance(answer, tuple):
            return (answer[0].transpose(0, 1), *answer[1:])
        return answer.transpose(0, 1)

    return altered


def _altered_when(solve, position, flag, layout):
    def altered(*args):
        args = list(args)
        if args[flag] is layout:
            args[position] = _reshaped(args[position])
        return solve(*args)

    return altered


def _bias_alterations(exercise, args):
    """Every bias (a 1-D argument named bias_*) changed at once: halved (an average of two biases
    where their sum belongs) or added after the nonlinearity instead of inside it."""
    positions = [
        i
        for i, (name, arg) in enumerate(zip(exercise.arg_names, args))
        if name.startswith("bias") and isinstance(arg, torch.Tensor) and arg.dim() == 1
    ]
    if len(positions) < 2:
        return
    solve = exercise.solve

    def halved(*args):
        return solve(*[a / 2 if i in positions else a for i, a in enumerate(args)])

    def after(*args):
        answer = solve(*[torch.zeros_like(a) if i in positions else a for i, a in enumerate(args)])
        return answer + sum(args[i] for i in positions)

    biases = " and ".join(f"`{exercise.arg_names[i]}`" for i in positions)
    yield Mistake(
        "biases_averaged",
        f"your answer is torch's with {biases} halved: the biases are averaged where each is added in full",
        halved,
    )
    yield Mistake(
        "biases_after_activation",
        f"your answer is torch's without {biases} inside the nonlinearity, with the biases added after it: "
        "they belong inside, added to the weighted inputs before tanh (or the gate's function)",
        after,
    )


# A gated cell's gates in the order of their blocks in the stacked weights, by the number of blocks.
_GATE_ORDER = {4: ("i", "f", "g", "o"), 3: ("r", "z", "n")}
_PARTS = {"hh": ("hidden part", "h"), "ih": ("input part", "x")}


def _gate_block_alterations(exercise, args):
    """torch's answer with one gate's block of weight_hh (and bias_hh), or of weight_ih (and
    bias_ih), set to zero: that gate computed from x alone, or from h alone."""
    given = dict(zip(exercise.arg_names, args))
    if exercise.solve is None or not all(isinstance(given.get(n), torch.Tensor) for n in _STACKED):
        return
    rows, hidden = given["weight_hh"].shape
    gates = _GATE_ORDER.get(rows // hidden) if rows % hidden == 0 else None
    if gates is None:
        return
    for (k, gate), (j, other) in itertools.permutations(enumerate(gates), 2):
        yield Mistake(
            _identifier("gate", gate, "from", other, "block"),
            f"your answer is torch's with the gate {gate} computed from the block of the weights "
            f"and biases that belongs to {other}: {other} stands where {gate} belongs; each gate has "
            f"its own block, in torch's order {'|'.join(gates)}",
            _copied_blocks(exercise, k, j),
        )
    for road, (part, source) in _PARTS.items():
        other = "h" if source == "x" else "x"
        for k, gate in enumerate(gates):
            yield Mistake(
                _identifier("gate", gate, "without", part),
                f"your answer is torch's with the {part} of the gate {gate} left out (its block of "
                f"weight_{road} and bias_{road}): {gate} is computed from {other} alone, where every "
                f"gate reads both x and h",
                _zero_blocks(exercise, (f"weight_{road}", f"bias_{road}"), k),
            )


_STACKED = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _copied_blocks(exercise, k, j):
    """``exercise.solve`` with the ``k``-th block of H rows of every stacked weight and bias replaced
    by the ``j``-th: gate k computed as gate j."""
    positions = [exercise.arg_names.index(n) for n in _STACKED]

    def altered(*args):
        args = list(args)
        hidden = args[positions[1]].shape[1]
        for p in positions:
            args[p] = args[p].clone()
            args[p][k * hidden : (k + 1) * hidden] = args[p][j * hidden : (j + 1) * hidden]
        return exercise.solve(*args)

    return altered


def _zero_blocks(exercise, names, k):
    """``exercise.solve`` with the ``k``-th block of H rows of each input in ``names`` set to zero."""
    positions = [exercise.arg_names.index(n) for n in names if n in exercise.arg_names]
    hidden_at = exercise.arg_names.index("weight_hh")

    def altered(*args):
        args = list(args)
        hidden = args[hidden_at].shape[1]
        block = slice(k * hidden, (k + 1) * hidden)
        for p in positions:
            args[p] = args[p].clone()
            args[p][block] = 0
        return exercise.solve(*args)

    return altered


def _alterations_of(exercise, case):
    """``_alterations`` of the case's arguments, made once and kept by the case, so that each is one
    Mistake whose answers ``_run_mistake`` can keep."""
    if case.alterations is None:
        case.alterations = tuple(_alterations(exercise, case.args))
    return case.alterations


def _alterations(exercise, args):
    """A Mistake (``zero_bias_hh``, ``transposed_weight_hh``...) for each alteration that fits these
    arguments."""
    for position, (arg_name, arg) in enumerate(zip(exercise.arg_names, args)):
        if isinstance(arg, dict):
            yield from _family_alterations(exercise.solve, position, arg_name, arg)
        entries = arg.items() if isinstance(arg, dict) else [(None, arg)]
        for key, value in entries:
            if not (isinstance(value, torch.Tensor) and value.is_floating_point()):
                continue
            name = arg_name if key is None else f"{arg_name}['{key}']"
            kinds = ["zero"] + (["ones"] if arg_name.startswith("grad") else [])
            kinds += (
                ["transposed"] if value.dim() == 2 and value.shape[0] == value.shape[1] > 1 else []
            )
            kinds += ["doubled"] if "bias" in name and value.dim() == 1 else []
            kinds += ["blocks"] if _square_blocks(value) else []
            kinds += ["squashed"] if arg_name in _STATES and key is None else []
            for kind in kinds:
                message, change = _ALTERED[kind]
                yield Mistake(
                    _identifier(kind, name),
                    message.format(name=name),
                    _altered_solve(exercise.solve, position, key, change),
                )
    yield from _gate_block_alterations(exercise, args)
    yield from _bias_alterations(exercise, args)
    yield from _layout_alterations(exercise, args)
    yield from _output_layout_inverted(exercise, args)
    yield from _swapped_pairs(exercise, args)
    yield from _in_place_of(exercise, args)
    yield from _int_alterations(exercise, args)
    yield from _mask_alterations(exercise, args)
    yield from _slope_alterations(exercise)
    yield from _product_alterations(exercise)
    yield from _gate_alterations(exercise)
    yield from _time_reversed(exercise, args)
    yield from _first_step_skipped(exercise, args)
    yield from _h0_rows(exercise, args)
    yield from _every_target(exercise, args)


# A nonlinearity's slope written wrong: (function, identifier) -> (slope from output y and input a, how
# it is written).
_WRONG_SLOPES = {
    ("tanh", "square_misplaced"): (
        lambda y, a: (1 - y) ** 2,
        "written (1 - y)**2 where 1 - y**2 belongs (y = tanh(a)): the square is misplaced",
    ),
    ("tanh", "from_its_input"): (
        lambda y, a: 1 - a**2,
        "written 1 - a**2 from tanh's input a, where 1 - tanh(a)**2 belongs: the slope is read off the output",
    ),
    ("tanh", "left_out"): (lambda y, a: torch.ones_like(y), "left out, as if it were 1"),
    ("tanh", "sigmoid_slope"): (
        lambda y, a: y * (1 - y),
        "written y*(1 - y), sigmoid's slope, where tanh's 1 - y**2 belongs",
    ),
    ("sigmoid", "tanh_slope"): (
        lambda y, a: 1 - y**2,
        "written 1 - s**2, tanh's slope, where sigmoid's s*(1 - s) belongs",
    ),
    ("sigmoid", "from_its_input"): (
        lambda y, a: a * (1 - a),
        "written a*(1 - a) from sigmoid's input a, where s*(1 - s) with s = sigmoid(a) belongs",
    ),
    ("sigmoid", "left_out"): (lambda y, a: torch.ones_like(y), "left out, as if it were 1"),
}
_FUNCTIONS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid}


class _WrongSlope(torch.autograd.Function):
    """``function(a)`` whose backward multiplies by ``slope(y, a)`` instead of the true slope."""

    @staticmethod
    def forward(ctx, a, function, slope):
        y = function(a)
        ctx.save_for_backward(y, a)
        ctx.slope = slope
        return y

    @staticmethod
    def backward(ctx, grad):
        y, a = ctx.saved_tensors
        return grad * ctx.slope(y, a), None, None


def _slope_alterations(exercise):
    """torch's gradients with one nonlinearity's slope written wrong: at one site, or at every site of
    that function at once (all the sigmoid gates, say)."""
    if exercise.slopes is None:
        return
    solve_with, sites = exercise.slopes
    for (function, wrong), (slope, written) in _WRONG_SLOPES.items():
        own = [site for site, f in sites.items() if f == function]
        groups = [own] if len(own) > 1 else []
        groups += [[site] for site in own]
        for group in groups:
            where = " and ".join(f"`{site}`" for site in group)
            yield Mistake(
                _identifier(function, "slope", wrong, "at", *group),
                f"your gradients are torch's with the slope of {function} at {where} {written}",
                solve_with(_acting(function, group, slope)),
            )


def _gate_alterations(exercise):
    """torch's answer with one gate changed where it is used (``Exercise.gates``): its complement
    (1 - f for f), left out (its factor 1), the other squashing function, or, for the state a layer
    hands its cell, h and c in each other's places."""
    if exercise.gates is None:
        return
    solve_with, sites = exercise.gates
    by_gate = {}
    for site, (function, gate, _, _) in sites.items():
        by_gate.setdefault((function, gate), []).append(site)
    for site, (function, gate, words, absent) in sites.items():
        for kind, change, said in _gate_changes(function, gate, absent):
            where = () if site == gate else ("in", site)
            yield Mistake(
                _identifier(site, kind) if function == "pair" else _identifier(gate, kind, *where),
                f"your answer is torch's with one change at {words}: {said}",
                solve_with(_changed_at([site], change)),
            )
    for (function, gate), group in by_gate.items():
        if function == "sigmoid" and len(group) > 1:
            yield Mistake(
                _identifier(gate, "complement", "everywhere"),
                f"your answer is torch's with the gate {gate} replaced by 1 - {gate} at each of its "
                f"{len(group)} uses: {gate} and 1 - {gate} are in each other's places (check which "
                f"term {gate} weights, and which 1 - {gate})",
                solve_with(_changed_at(group, lambda a, y: 1 - y)),
            )


def _gate_changes(function, gate, absent):
    """(identifier word, change(a, y) from the gate's input a and torch's output y, how it is said)."""
    if function == "pair":
        return [
            (
                "swapped",
                lambda a, y: tuple(reversed(y)),
                "they are in each other's places; check the order in which you pass h and c to the "
                "cell (torch's cell takes (h, c))",
            )
        ]
    other = "tanh" if function == "sigmoid" else "sigmoid"
    changes = [
        (
            f"{other}_for_{function}",
            lambda a, y: _FUNCTIONS[other](a),
            f"{other} squashes it where {function} belongs",
        )
    ]
    if function == "tanh":
        return changes + [("no_tanh", lambda a, y: a, "its tanh is missing")]
    changes.append(
        (
            "complement",
            lambda a, y: 1 - y,
            f"1 - {gate} stands where {gate} belongs (or {gate} where 1 - {gate} belongs): check "
            "which of the two goes there",
        )
    )
    if absent is not None:
        changes.append(
            (
                "left_out",
                lambda a, y: torch.full_like(y, float(absent)),
                f"{gate} is left out there, as if it were {absent}, so that term is not weighted "
                "by the gate",
            )
        )
    return changes


def _changed_at(group, change):
    """An ``act`` that computes each gate as torch does, and applies ``change`` at the sites of ``group``."""

    def act(site, function, a):
        y = a if function == "pair" else _FUNCTIONS[function](a)
        return change(a, y) if site in group else y

    return act


def _acting(function, group, slope):
    def act(site, name, a):
        if name == function and site in group:
            return _WrongSlope.apply(a, _FUNCTIONS[name], slope)
        return _plain_act(name, a)

    return act


def _plain_act(name, a):
    """A nonlinearity, or a product (a, b, a_in, b_in) -> a * b, as torch computes it."""
    return a[0] * a[1] if name == "product" else _FUNCTIONS[name](a)


class _WrongPartners(torch.autograd.Function):
    """``a * b`` whose backward gives a the gradient times ``wa`` and b the gradient times ``wb``,
    where the product rule gives them b and a."""

    @staticmethod
    def forward(ctx, a, b, wa, wb):
        ctx.save_for_backward(wa, wb)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        wa, wb = ctx.saved_tensors
        return grad * wa, grad * wb, None, None


def _product_alterations(exercise):
    """torch's gradients with one product a * b differentiated wrong: each factor's gradient
    multiplied by itself instead of by the other factor, or by the other factor's input where the
    factor itself belongs (c_next for tanh(c_next))."""
    if exercise.slopes is None:
        return
    solve_with, sites = exercise.slopes
    for site, function in sites.items():
        if function != "product":
            continue
        first, second = site.split(" * ")
        yield Mistake(
            _identifier(site, "own_factor"),
            f"your gradients are torch's with the product {site} differentiated wrong: each factor's "
            "gradient is multiplied by that factor itself, where the product rule gives each factor "
            f"the other one ({first} takes {second}, and {second} takes {first})",
            solve_with(_partners_at(site, lambda a, b, a_in, b_in: (a, b))),
        )
        for factor, partner, left_out in (
            (first, second, lambda a, b, a_in, b_in: (torch.ones_like(b), a)),
            (second, first, lambda a, b, a_in, b_in: (b, torch.ones_like(a))),
        ):
            yield Mistake(
                _identifier(site, factor, "without", partner),
                f"your gradients are torch's with {factor}'s gradient through {site} not multiplied "
                f"by {partner}: {factor} reaches the product only through {partner}, so its gradient "
                f"is the incoming one times {partner}",
                solve_with(_partners_at(site, left_out)),
            )
        inner = re.fullmatch(r"\w+\((\w+)\)", second)
        if inner:
            yield Mistake(
                _identifier(site, "partner", inner[1]),
                f"your gradients are torch's with {first}'s gradient through {site} multiplied by "
                f"{inner[1]} where {second} belongs: {first} multiplies {second}, so that is what "
                f"its gradient takes",
                solve_with(_partners_at(site, lambda a, b, a_in, b_in: (b_in, a))),
            )


def _partners_at(where, partners):
    """An ``act`` with torch's functions everywhere and, at the product ``where``, the gradients'
    multipliers ``partners(a, b, a_in, b_in)`` -> (for a, for b)."""

    def act(site, name, a):
        if name == "product" and site == where:
            wa, wb = partners(*[t.detach() if t is not None else None for t in a])
            return _WrongPartners.apply(a[0], a[1], wa, wb)
        return _plain_act(name, a)

    return act


def _family_alterations(solve, position, arg_name, arg):
    """A whole family of a dict's entries changed at once, e.g. every layer's 'bias_ih_l#_reverse':
    left out, taken from the first layer for every layer, or standing in for another family."""
    families = {}
    for key in arg:
        if isinstance(arg[key], torch.Tensor) and arg[key].is_floating_point():
            families.setdefault(re.sub(r"\d+", "#", key), []).append(key)
    for family, keys in families.items():
        if len(keys) < 2:
            continue
        message = (
            f"your answer is torch's with every {arg_name}['{family}'] (# = any layer) set to zero: "
            "those entries are left out"
        )
        yield Mistake(
            _identifier("zero_every", arg_name, family),
            message,
            _altered_family(solve, position, family),
        )
        if "bias" in family:
            yield Mistake(
                _identifier("doubled_every", arg_name, family),
                f"your answer is torch's with every {arg_name}['{family}'] (# = any layer) doubled: "
                "that bias is added twice",
                _altered_family(solve, position, family, lambda d, k: 2 * d[k]),
            )
        yield Mistake(
            _identifier("zero_above_first", arg_name, family),
            f"your answer is torch's with {arg_name}['{family}'] (# = the layer) set to zero in every "
            f"layer above the first: the layers above leave it out, where each layer uses its own",
            _altered_families(
                solve,
                position,
                (family,),
                lambda d, k: d[k] if k == _first_of(d, k) else torch.zeros_like(d[k]),
            ),
        )
        first = keys[0]
        if all(arg[k].shape == arg[first].shape for k in keys):
            yield Mistake(
                _identifier("first_for_every", arg_name, family),
                f"your answer is torch's with {arg_name}['{first}'] used for every layer's "
                f"{arg_name}['{family}'] (# = the layer): each layer has its own",
                _altered_family(solve, position, family, lambda d, k, first=first: d[first]),
            )
    for group in _stale_groups(families):  # taken from the first layer together
        if all(arg[k].shape == arg[families[f][0]].shape for f in group for k in families[f]):
            firsts = " and ".join(f"{arg_name}['{families[f][0]}']" for f in group)
            every = " and ".join(f"{arg_name}['{f}']" for f in group)
            yield Mistake(
                _identifier("first_for_every", arg_name, "_and_".join(group)),
                f"your answer is torch's with {firsts} used for every layer's {every} (# = the "
                "layer): each layer has its own, named with its own number",
                _altered_families(solve, position, group, lambda d, k: d[_first_of(d, k)]),
            )
    for family, other in itertools.permutations(families, 2):
        pairs = list(zip(families[family], families[other]))
        if len(families[family]) == len(families[other]) and all(
            arg[a].shape == arg[b].shape and not torch.equal(arg[a], arg[b]) for a, b in pairs
        ):
            yield Mistake(
                _identifier(family, "in_place_of", other),
                f"your answer is torch's with {arg_name}['{family}'] used where {arg_name}['{other}'] "
                f"belongs (# = the layer): {arg_name}['{other}'] is never used",
                _altered_family(
                    solve, position, other, lambda d, k, family=family: d[_same_layer(family, k)]
                ),
            )


def _stale_groups(families):
    """Families of a dict's entries a learner takes from the first layer together: a weight and its
    bias ('weight_hh_l#', 'bias_hh_l#'), and every family of one road, both directions included."""
    multi = [f for f, keys in families.items() if len(keys) > 1]
    groups = [
        (f, f.replace("weight", "bias"))
        for f in multi
        if f.startswith("weight") and f.replace("weight", "bias") in multi
    ]
    for road in ("_hh_", "_ih_"):
        road_group = tuple(f for f in multi if road in f)
        if len(road_group) > 2:
            groups.append(road_group)
    return groups


def _same_layer(family, key):
    """The key of ``family`` ('bias_ih_l#') for the layer of ``key`` ('bias_hh_l2' -> 'bias_ih_l2')."""
    numbers = iter(re.findall(r"\d+", key))
    return re.sub("#", lambda _: next(numbers), family)


def _identifier(*words):
    """A snake_case identifier from words such as ("zero", "params['bias_hh_l0']")."""
    return re.sub(r"[^a-z0-9]+", "_", "_".join(words).lower()).strip("_")


def _altered_family(solve, position, family, change=None):
    """``solve`` with every entry of ``family`` in the dict argument at ``position`` set to zero, or
    to ``change(dict, key)``."""

    def altered(*args):
        args = list(args)
        given = args[position]
        args[position] = {
            k: (torch.zeros_like(v) if change is None else change(given, k))
            if re.sub(r"\d+", "#", k) == family
            else v
            for k, v in given.items()
        }
        return solve(*args)

    return altered


def _first_of(given, key):
    """The first key of ``given`` in the family of ``key`` (the same name with any layer number)."""
    family = re.sub(r"\d+", "#", key)
    return next(k for k in given if re.sub(r"\d+", "#", k) == family)


def _altered_families(solve, position, families, change):
    """``solve`` with every entry of each of ``families`` in the dict argument at ``position`` set to
    ``change(dict, key)``."""

    def altered(*args):
        args = list(args)
        given = args[position]
        args[position] = {
            k: change(given, k) if re.sub(r"\d+", "#", k) in families else v
            for k, v in given.items()
        }
        return solve(*args)

    return altered


def _altered_solve(solve, position, key, change):
    def altered(*args):
        args = list(args)
        if key is None:
            args[position] = change(args[position])
        else:
            args[position] = {**args[position], key: change(args[position][key])}
        return solve(*args)

    return altered


def _is_evidence(case, outcome, exercise):
    if outcome.error == "exception":
        return diagnosis.is_specific(outcome.detail)
    return _returned_wrong(case, outcome, exercise)


def _uncatalogued(exercise, evidence):
    """A cause read off the wrong answers (the one most cases agree on) or else off the error."""
    for case, outcome in evidence:
        if outcome.error is None and answer_items(exercise, case, outcome.value)[1]:
            found = _form_explained(exercise, case, outcome.value)
            return Diagnosis("answer_in_another_form", found) if found else None
    messages = []
    for case, outcome in evidence:
        if _returned_wrong(case, outcome, exercise):
            messages.append(_explained(exercise, case, outcome.value))
    found = [m for m in messages if m]
    if found:  # messages that differ only in the sizes they name are one cause
        kinds = [re.sub(r"\d+", "#", m) for m in found]
        counts = sorted((kinds.count(k) for k in set(kinds)), reverse=True) + [0]
        best = max(set(kinds), key=kinds.count)
        # most cases agree, or at least two do and no other reading is as common (a case whose
        # sizes hide the cause, L = 1 or N = 1, reads it another way)
        if 2 * counts[0] > len(messages) or counts[0] >= 2 and counts[0] > counts[1]:
            raised = any(o.error == "exception" for _, o in evidence)
            return Diagnosis(
                "relation_to_torch",
                found[kinds.index(best)]
                + (
                    " (in the cases where your function returned; in another it raised)"
                    if raised
                    else ""
                ),
            )
    low = _low_precision_output(exercise, evidence)
    if low:
        return low
    last_case, last = evidence[-1] if evidence else (None, None)
    if last is not None and last.error == "exception":
        message = diagnosis.explain_error(last.detail, last_case)
        name = diagnosis.error_name(last.detail, last_case)
        return Diagnosis(name, message) if message else None
    return None


def _returned_pairs(exercise, evidence):
    """(name, torch's value, the learner's value) for each output of every case that returned."""
    for case, outcome in evidence:
        if outcome.error is not None:
            continue
        answers, _ = answer_items(exercise, case, outcome.value)
        for (name, expected, _), got in zip(expected_items(exercise, case), answers or ()):
            yield name, expected, got


def _low_precision_output(exercise, evidence):
    """A Diagnosis when an output is float32 (or smaller) where torch's is float64, or None."""
    for name, expected, got in _returned_pairs(exercise, evidence):
        if (
            isinstance(got, torch.Tensor)
            and got.is_floating_point()
            and expected.dtype == torch.float64
            and got.dtype != torch.float64
        ):
            return Diagnosis(
                "float32",
                f"`{name}` is {str(got.dtype).removeprefix('torch.')} where the inputs are float64: part of "
                "the computation ran in float32 (.float(), or a tensor or torch.nn module made with "
                "torch's default dtype); keep it all in the inputs' float64",
            )
    return None


def _other_kind_of_output(exercise, evidence):
    """A Diagnosis when an output holds torch's numbers in another kind of dtype (float for int64)."""
    for name, expected, got in _returned_pairs(exercise, evidence):
        if _other_kind_of_dtype(expected, got):
            return Diagnosis("other_kind_of_dtype", _dtype_kind_cause(name, expected, got))
    return None


def _other_kind_of_dtype(expected, got):
    """True when ``got`` holds torch's numbers in another kind of dtype (float for int64, or int for float)."""
    return (
        isinstance(expected, torch.Tensor)
        and isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and got.is_floating_point() != expected.is_floating_point()
        and torch.equal(got.to(torch.float64), expected.to(torch.float64))
    )


def _dtype_kind_cause(name, expected, got):
    """The cause of torch's numbers held in another kind of dtype."""
    want, have = (str(t.dtype).removeprefix("torch.") for t in (expected, got))
    return (
        f"`{name}` holds the right numbers as {have} where torch's are {want}: a tensor made without "
        f"dtype= (torch.full, torch.zeros, torch.empty) takes torch's default float dtype, or a float "
        f"fill value made it float; give it dtype=torch.{want}"
    )


def _form_explained(exercise, case, value):
    """The cause of an answer that cannot be read into its outputs: the outputs joined into one
    tensor, or a dict whose keys carry extra words; None otherwise."""
    expected = case.expected
    if isinstance(expected, tuple) and isinstance(value, torch.Tensor):
        parts = [e for e in _flat(expected) if isinstance(e, torch.Tensor)]
        want = ", ".join(output_names(exercise, expected))
        for join in (torch.cat, torch.stack):
            for dim in range(value.dim()):
                try:
                    joined = join([p.to(value.dtype) for p in parts], dim)
                except (RuntimeError, IndexError):
                    continue
                if joined.shape == value.shape and torch.allclose(joined, value):
                    return (
                        f"your function joins its outputs into one tensor ({join.__name__} along dim {dim}): "
                        f"return them as a tuple ({want})"
                    )
    if isinstance(expected, dict) and isinstance(value, (tuple, list)):
        return _sequence_for_dict(expected, value)
    if isinstance(expected, dict) and isinstance(value, dict):
        keys = [str(k) for k in value]
        prefix = os.path.commonprefix(keys)
        suffix = os.path.commonprefix([k[::-1] for k in keys])[::-1]
        bare = {k[len(prefix) : len(k) - len(suffix)] for k in keys}
        if (prefix or suffix) and len(keys) > 1 and bare == set(expected):
            return (
                f"your dict's keys carry extra words ('{prefix}...{suffix}' around each name): the keys are "
                f"exactly {list(expected)}"
            )
        return _misplaced_keys(expected, value)
    return None


def _sequence_for_dict(expected, value):
    """The cause of a tuple or list returned where a dict belongs, when its items are torch's values."""
    wanted = [v for v in expected.values() if isinstance(v, torch.Tensor)]
    found = [
        any(_same_answer(w, v, None) for v in value if isinstance(v, torch.Tensor)) for w in wanted
    ]
    if sum(found) * 2 < len(wanted):
        return None
    return (
        f"your function returns a {type(value).__name__} where a dict belongs: return a dict keyed by "
        f"name, with exactly the keys {list(expected)}"
    )


def _misplaced_keys(expected, value):
    """The cause of a dict whose extra keys hold what belongs under the missing ones, or None."""
    missing = [k for k in expected if k not in value]
    moves = [
        (k, m)
        for k in value
        if k not in expected
        for m in missing
        if _same_answer(expected[m], value[k], None)
    ]
    if not moves:
        return None
    said = "; ".join(f"'{k}' holds what belongs under '{m}'" for k, m in moves)
    return f"your dict's keys are not torch's: {said}; the keys are exactly {list(expected)}"


def _explained(exercise, case, value):
    """``diagnosis.explain_answer`` for one case's answer, or None (also when it cannot tell)."""
    items = _answer_and_expected(exercise, case, value)
    try:
        return diagnosis.explain_answer(items, case, exercise.arg_names) if items else None
    except (
        Exception
    ):  # an answer too odd to compare (e.g. empty): this case simply gives no evidence
        return None


def _answer_and_expected(exercise, case, value):
    """[(name, expected, got, symbolic shape)] for a readable answer, or None."""
    answers, problem = answer_items(exercise, case, value)
    if problem:
        return None
    return [
        (name, expected, got, shape)
        for (name, expected, shape), got in zip(expected_items(exercise, case), answers)
    ]


def _behaves_alike(mistake, case, outcome, exercise):
    answer = _run_mistake(mistake, case)
    if outcome.error == "exception":
        return isinstance(answer, _Raised) and answer.signature == diagnosis.error_signature(
            outcome.detail
        )
    return outcome.error is None and _same_answer(answer, outcome.value, exercise)


def _returned_wrong(case, outcome, exercise):
    return outcome.error is None and not _same_answer(case.expected, outcome.value, exercise)


@dataclass(frozen=True)
class _Raised:
    """What a mistake did when it raised instead of returning: its error's signature."""

    signature: tuple


def _run_mistake(mistake, case):
    """What ``mistake`` returns on ``case``, or a ``_Raised``.

    Grading a class (or the tests) diagnoses many answers against the same cases and the same
    mistakes, so an answer is kept by the case, by the mistake's identity (an altered input is the
    same mistake again only through ``_alterations_of``). An error is not kept: it can come from the
    notebook's torch settings of the moment (a default dtype, say) rather than from the mistake."""
    kept = case.known_answers.get(id(mistake))
    if kept is not None and kept[0] is mistake:  # kept with it, so that its id is not reused
        return clone(kept[1])  # a copy, so that no reader can change the kept one
    answer = _answer_of(mistake, case)
    if not isinstance(answer, _Raised):
        case.known_answers[id(mistake)] = (mistake, clone(answer))
    return answer


def _answer_of(mistake, case):
    try:
        with torch.enable_grad():  # the altered inputs' torch answers use autograd
            return mistake.fn(*clone(case.args))
    except (
        Exception
    ) as exc:  # a mistake that cannot run on this case cannot return the learner's answer
        return _Raised(diagnosis.error_signature(f"{type(exc).__name__}: {exc}"))


def _same_answer(a, b, exercise):
    if isinstance(a, _Raised) or isinstance(b, Foreign):
        return False
    if isinstance(a, torch.Tensor):
        return (
            isinstance(b, torch.Tensor)
            and a.shape == b.shape
            and torch.allclose(
                a.to(torch.float64), b.to(torch.float64), rtol=1e-6, atol=1e-8, equal_nan=True
            )
        )
    if isinstance(a, float) and not isinstance(b, bool):  # a Python number, e.g. from .item()
        return isinstance(b, (int, float)) and abs(a - b) <= 1e-8 + 1e-6 * abs(a)
    if isinstance(a, (tuple, list)):
        return (
            isinstance(b, (tuple, list))
            and len(a) == len(b)
            and all(_same_answer(x, y, exercise) for x, y in zip(a, b))
        )
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(_same_answer(a[k], b[k], exercise) for k in a)
        )
    return False
