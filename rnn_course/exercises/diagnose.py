"""Naming the likely mistake behind a failed run, and reading an answer into its named outputs.

``diagnose`` looks, in this order, for:

1. the first catalogued Mistake of the exercise that behaves like the learner's function on every
   case run (the same answer, or the same error);
2. an altered input under which torch's answer (``Exercise.solve``) is the learner's: an argument
   left out, a square weight transposed, an incoming gradient not multiplied in;
3. a cause read off the wrong answers or the error by ``diagnosis`` (no catalogue needed).

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
    if probed and all(not _returned_wrong(c, o, exercise) for c, o in evidence if o.error is None):
        return Diagnosis("float32", diagnosis.DTYPE_CAUSE)
    found = (
        _catalogued(exercise, evidence)
        or _altered_input(exercise, evidence)
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


def _altered_input(exercise, evidence):
    """The first alteration of one input under which torch's answer (``exercise.solve``) is the learner's."""
    if exercise.solve is None or not any(_returned_wrong(c, o, exercise) for c, o in evidence):
        return None  # an altered input that only raises says nothing: its error is the alteration's
    evidence = sorted(
        evidence, key=lambda item: not _returned_wrong(*item, exercise)
    )  # a wrong one first: fast
    for mistake in _alterations(exercise, evidence[0][0].args):
        if all(
            _behaves_alike(mistake, c, o, exercise)
            for c, o in evidence
            if o.error in (None, "exception")
        ):
            return Diagnosis(mistake.name, mistake.message)
    return None


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
    "doubled": (
        "your answer is torch's with `{name}` doubled: `{name}` is added twice",
        lambda t: 2 * t,
    ),
}


def _reshaped(t):
    """(A, B, ...) read as (B, A, ...) by reshape, then put back by a true transpose."""
    return t.reshape(t.shape[1], t.shape[0], *t.shape[2:]).transpose(0, 1).contiguous()


def _swapped_pairs(exercise, args):
    """Two floating-point arguments of one shape passed in each other's places (h and c, for one)."""
    tensors = [
        (i, name)
        for i, (name, arg) in enumerate(zip(exercise.arg_names, args))
        if isinstance(arg, torch.Tensor) and arg.is_floating_point()
    ]
    for (i, a), (j, b) in itertools.combinations(tensors, 2):
        if args[i].shape == args[j].shape and not torch.equal(args[i], args[j]):
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
            for kind in kinds:
                message, change = _ALTERED[kind]
                yield Mistake(
                    _identifier(kind, name),
                    message.format(name=name),
                    _altered_solve(exercise.solve, position, key, change),
                )
    yield from _bias_alterations(exercise, args)
    yield from _layout_alterations(exercise, args)
    yield from _swapped_pairs(exercise, args)
    yield from _time_reversed(exercise, args)


def _family_alterations(solve, position, arg_name, arg):
    """A whole family of a dict's entries left out at once, e.g. every layer's 'bias_ih_l#_reverse'."""
    families = {}
    for key in arg:
        families.setdefault(re.sub(r"\d+", "#", key), []).append(key)
    for family, keys in families.items():
        if len(keys) > 1 and all(
            isinstance(arg[k], torch.Tensor) and arg[k].is_floating_point() for k in keys
        ):
            message = (
                f"your answer is torch's with every {arg_name}['{family}'] (# = any layer) set to zero: "
                "those entries are left out"
            )
            yield Mistake(
                _identifier("zero_every", arg_name, family),
                message,
                _altered_family(solve, position, family),
            )


def _identifier(*words):
    """A snake_case identifier from words such as ("zero", "params['bias_hh_l0']")."""
    return re.sub(r"[^a-z0-9]+", "_", "_".join(words).lower()).strip("_")


def _altered_family(solve, position, family):
    def altered(*args):
        args = list(args)
        args[position] = {
            k: torch.zeros_like(v) if re.sub(r"\d+", "#", k) == family else v
            for k, v in args[position].items()
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
        best = max(set(kinds), key=kinds.count)
        if 2 * kinds.count(best) > len(messages):
            return Diagnosis("relation_to_torch", found[kinds.index(best)])
    low = _low_precision_output(exercise, evidence)
    if low:
        return Diagnosis("float32", low)
    last_case, last = evidence[-1] if evidence else (None, None)
    if last is not None and last.error == "exception":
        message = diagnosis.explain_error(last.detail, last_case)
        name = diagnosis.error_name(last.detail, last_case)
        return Diagnosis(name, message) if message else None
    return None


def _low_precision_output(exercise, evidence):
    """A float32 cause when an output is float32 (or smaller) where torch's is float64, or None."""
    for case, outcome in evidence:
        if outcome.error is not None:
            continue
        answers, problem = answer_items(exercise, case, outcome.value)
        for (name, expected, _), got in zip(expected_items(exercise, case), answers or ()):
            if (
                isinstance(got, torch.Tensor)
                and got.is_floating_point()
                and expected.dtype == torch.float64
                and got.dtype != torch.float64
            ):
                return (
                    f"`{name}` is {str(got.dtype).removeprefix('torch.')} where the inputs are float64: part of "
                    "the computation ran in float32 (.float(), or a tensor or torch.nn module made with "
                    "torch's default dtype); keep it all in the inputs' float64"
                )
    return None


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
    return None


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
    try:
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
