"""The forward-pass exercises: rnn_cell, rnn_layer, final_states, stacked_rnn, bidirectional_rnn, rnn_forward.

Every checker must accept differently written correct solutions, reject the wrong ones in
``wrong_forward.py`` (naming the catalogued mistake when there is one), refuse delegation to torch's
RNN or to rnn_course.reference, survive any misbehaviour, and keep its hints free of solutions.
The correct solutions below are checked against torch directly too, so that they are known right.
"""

import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rnn_course.exercises import check, get_exercise
from rnn_course.exercises.core import run_learner
from rnn_course.exercises.judge import judge

sys.path.insert(0, str(Path(__file__).parent))
from wrong_forward import WRONG, layer_weights, run_direction  # noqa: E402  (tests/ is not a package)

EXERCISES = (
    "rnn_cell",
    "rnn_layer",
    "final_states",
    "stacked_rnn",
    "bidirectional_rnn",
    "rnn_forward",
)
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


# =============================================================================================
# Correct solutions, three or more per exercise, each written differently
# =============================================================================================

# --- rnn_cell: x (N, H_in), h (N, H) -> (N, H) ------------------------------------------------


def cell_matmul(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)


def cell_linear(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return F.linear(x, weight_ih, bias_ih).add(F.linear(h, weight_hh, bias_hh)).tanh()


def cell_concatenated(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    joined = torch.cat([x, h], dim=1)  # (N, H_in + H)
    weight = torch.cat([weight_ih, weight_hh], dim=1)  # (H, H_in + H)
    return torch.tanh(joined @ weight.T + (bias_ih + bias_hh))


def cell_einsum(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    pre = torch.einsum("ni,hi->nh", x, weight_ih) + torch.einsum("nj,hj->nh", h, weight_hh)
    return torch.tanh(pre + bias_ih + bias_hh)


# --- rnn_layer: x (L, N, H_in), h0 (N, H) -> output (L, N, H), h_n (N, H) ----------------------


def layer_loop(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h, outputs = h0, []
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outputs.append(h)
    return torch.stack(outputs), h


def layer_preallocated(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    seq_len, n, _ = x.shape
    output = x.new_empty(seq_len, n, weight_hh.shape[0])
    from_input = F.linear(x, weight_ih, bias_ih)  # (L, N, H), every step at once
    h = h0
    for t in range(seq_len):
        h = torch.tanh(from_input[t] + F.linear(h, weight_hh, bias_hh))
        output[t] = h
    return output, output[-1]


def layer_concatenated(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    weight = torch.cat([weight_ih, weight_hh], dim=1)  # (H, H_in + H)
    states = [h0]
    for x_t in x.unbind(0):
        joined = torch.cat([x_t, states[-1]], dim=1)
        states.append(torch.tanh(torch.einsum("nk,hk->nh", joined, weight) + bias_ih + bias_hh))
    return torch.stack(states[1:]), states[-1]


# --- final_states: output -> (D, N, H) -----------------------------------------------------------


def final_index(output, num_directions, batch_first):
    if batch_first:
        output = output.transpose(0, 1)
    hidden = output.shape[2] // num_directions
    states = [output[-1, :, :hidden]]
    if num_directions == 2:
        states.append(output[0, :, hidden:])
    return torch.stack(states)


def final_reshape(output, num_directions, batch_first):
    time_major = output.permute(1, 0, 2) if batch_first else output
    seq_len, n, features = time_major.shape
    split = time_major.reshape(seq_len, n, num_directions, features // num_directions)
    ends = [split[-1, :, 0]] + [split[0, :, d] for d in range(1, num_directions)]
    return torch.stack(ends, dim=0)


def final_select(output, num_directions, batch_first):
    time_axis = 1 if batch_first else 0
    halves = output.chunk(num_directions, dim=-1)
    steps = (-1, 0)
    return torch.stack([half.select(time_axis, step) for half, step in zip(halves, steps)])


# --- stacked_rnn: x (L, N, H_in), h0 (num_layers, N, H) ------------------------------------------


def stacked_layer_by_layer(x, h0, params, num_layers):
    finals = []
    for layer in range(num_layers):
        x, h = run_direction(x, h0[layer], layer_weights(params, layer))
        finals.append(h)
    return x, torch.stack(finals)


def stacked_linear_preallocated(x, h0, params, num_layers):
    h_n = torch.empty_like(h0)
    layer_input = x
    for layer in range(num_layers):
        weight_ih, weight_hh, bias_ih, bias_hh = layer_weights(params, layer)
        output = x.new_empty(x.shape[0], x.shape[1], weight_hh.shape[0])
        h = h0[layer]
        for t in range(x.shape[0]):
            h = torch.tanh(
                F.linear(layer_input[t], weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)
            )
            output[t] = h
        h_n[layer] = h
        layer_input = output
    return layer_input, h_n


def stacked_time_outer(x, h0, params, num_layers):
    hs = list(h0.unbind(0))
    top = []
    for x_t in x:
        below = x_t
        for layer in range(num_layers):
            weight_ih, weight_hh, bias_ih, bias_hh = layer_weights(params, layer)
            pre = torch.einsum("ni,hi->nh", below, weight_ih) + torch.einsum(
                "nj,hj->nh", hs[layer], weight_hh
            )
            hs[layer] = torch.tanh(pre + bias_ih + bias_hh)
            below = hs[layer]
        top.append(below)
    return torch.stack(top), torch.stack(hs)


# --- bidirectional_rnn: x (L, N, H_in), h0 (2, N, H) -> (L, N, 2H), (2, N, H) ---------------------


def bi_flip(x, h0, params, layer=0):
    forward, h_forward = run_direction(x, h0[0], layer_weights(params, layer))
    flipped, h_backward = run_direction(x.flip(0), h0[1], layer_weights(params, layer, "_reverse"))
    return torch.cat([forward, flipped.flip(0)], dim=-1), torch.stack([h_forward, h_backward])


def bi_preallocated(x, h0, params, layer=0):
    seq_len, n, _ = x.shape
    hidden = h0.shape[-1]
    output = x.new_zeros(seq_len, n, 2 * hidden)
    h_n = torch.zeros_like(h0)
    for d, (suffix, steps) in enumerate(
        [("", range(seq_len)), ("_reverse", range(seq_len - 1, -1, -1))]
    ):
        weight_ih, weight_hh, bias_ih, bias_hh = layer_weights(params, layer, suffix)
        h = h0[d]
        for t in steps:
            h = torch.tanh(F.linear(x[t], weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh))
            output[t, :, d * hidden : (d + 1) * hidden] = h
        h_n[d] = h
    return output, h_n


def bi_concatenated_weights(x, h0, params, layer=0):
    outputs, finals = [], []
    for d, suffix in enumerate(["", "_reverse"]):
        weight_ih, weight_hh, bias_ih, bias_hh = layer_weights(params, layer, suffix)
        weight = torch.cat([weight_ih, weight_hh], dim=1)  # (H, H_in + H)
        h, states = h0[d], {}
        for t in reversed(range(len(x))) if d else range(len(x)):
            h = torch.tanh(torch.cat([x[t], h], dim=1) @ weight.T + bias_ih + bias_hh)
            states[t] = h
        outputs.append(torch.stack([states[t] for t in range(len(x))]))
        finals.append(h)
    return torch.cat(outputs, dim=2), torch.stack(finals)


# --- rnn_forward: all of nn.RNN -------------------------------------------------------------------


def forward_composed(x, h0, params, num_layers, bidirectional, batch_first):
    directions = 2 if bidirectional else 1
    if batch_first:
        x = x.transpose(0, 1)  # (L, N, H_in)
    finals = []
    for layer in range(num_layers):
        outputs = []
        for d in range(directions):
            weights = layer_weights(params, layer, "_reverse" if d else "")
            output, h = run_direction(x, h0[layer * directions + d], weights, backwards=d == 1)
            outputs.append(output)
            finals.append(h)
        x = torch.cat(outputs, dim=2)  # (L, N, D*H)
    return (x.transpose(0, 1) if batch_first else x), torch.stack(finals)


def forward_flip_and_fill(x, h0, params, num_layers, bidirectional, batch_first):
    directions = 2 if bidirectional else 1
    seq = x.movedim(1, 0) if batch_first else x
    h_n = h0.new_empty(h0.shape)
    for layer in range(num_layers):
        outputs = []
        for d in range(directions):
            weight_ih, weight_hh, bias_ih, bias_hh = layer_weights(
                params, layer, "_reverse" if d else ""
            )
            read = seq.flip(0) if d else seq
            h, states = h0[layer * directions + d], []
            for x_t in read:
                h = torch.tanh(F.linear(x_t, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh))
                states.append(h)
            h_n[layer * directions + d] = h
            stacked = torch.stack(states)
            outputs.append(stacked.flip(0) if d else stacked)
        seq = torch.cat(outputs, dim=-1)
    return (seq.movedim(0, 1) if batch_first else seq), h_n


def forward_einsum(x, h0, params, num_layers, bidirectional, batch_first):
    directions = 2 if bidirectional else 1
    seq = torch.einsum("nli->lni", x) if batch_first else x
    h_n = []
    for layer in range(num_layers):
        halves = []
        for d in range(directions):
            weight_ih, weight_hh, bias_ih, bias_hh = layer_weights(
                params, layer, "_reverse" if d else ""
            )
            from_input = torch.einsum("lni,hi->lnh", seq, weight_ih) + bias_ih  # (L, N, H)
            order = range(len(seq) - 1, -1, -1) if d else range(len(seq))
            h, out = h0[layer * directions + d], [None] * len(seq)
            for t in order:
                h = torch.tanh(from_input[t] + torch.einsum("nj,hj->nh", h, weight_hh) + bias_hh)
                out[t] = h
            halves.append(torch.stack(out))
            h_n.append(h)
        seq = torch.cat(halves, dim=-1)
    return (torch.einsum("lnh->nlh", seq) if batch_first else seq), torch.stack(h_n)


CORRECT = {
    "rnn_cell": [cell_matmul, cell_linear, cell_concatenated, cell_einsum],
    "rnn_layer": [layer_loop, layer_preallocated, layer_concatenated],
    "final_states": [final_index, final_reshape, final_select],
    "stacked_rnn": [stacked_layer_by_layer, stacked_linear_preallocated, stacked_time_outer],
    "bidirectional_rnn": [bi_flip, bi_preallocated, bi_concatenated_weights],
    "rnn_forward": [forward_composed, forward_flip_and_fill, forward_einsum],
}


def _id(value):
    return getattr(value, "__name__", str(value))


# =============================================================================================
# The oracle: the correct solutions agree with nn.RNN on fresh inputs (not the hidden cases)
# =============================================================================================


@pytest.mark.parametrize(
    "num_layers, bidirectional, batch_first",
    [(1, False, False), (2, True, True), (3, True, False), (2, False, True)],
)
@pytest.mark.parametrize("fn", CORRECT["rnn_forward"], ids=_id)
def test_the_rnn_forward_solutions_match_nn_rnn(fn, num_layers, bidirectional, batch_first):
    torch.manual_seed(7)
    rnn = nn.RNN(
        3, 4, num_layers, bidirectional=bidirectional, batch_first=batch_first, dtype=torch.float64
    )
    x = torch.randn((2, 5, 3) if batch_first else (5, 2, 3), dtype=torch.float64)
    h0 = torch.randn(num_layers * (2 if bidirectional else 1), 2, 4, dtype=torch.float64)
    params = {k: v.detach() for k, v in rnn.state_dict().items()}
    with torch.no_grad():
        expected = rnn(x, h0)
    torch.testing.assert_close(fn(x, h0, params, num_layers, bidirectional, batch_first), expected)


def test_the_cell_and_layer_solutions_match_torch():
    torch.manual_seed(8)
    rnn = nn.RNN(3, 4, dtype=torch.float64)
    x, h0 = torch.randn(5, 2, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    weights = [getattr(rnn, f"{name}_l0").detach() for name in NAMES]
    with torch.no_grad():
        output, h_n = rnn(x, h0[None])
    for fn in CORRECT["rnn_layer"]:
        torch.testing.assert_close(fn(x, h0, *weights), (output, h_n[0]))
    for fn in CORRECT["rnn_cell"]:
        torch.testing.assert_close(fn(x[0], h0, *weights), output[0])


# =============================================================================================
# Correct answers pass; wrong ones fail, naming the mistake
# =============================================================================================


def test_there_are_plenty_of_wrong_implementations():
    assert len(WRONG) >= 35
    for exercise_id in EXERCISES:
        assert sum(e == exercise_id for e, _, _ in WRONG) >= 5, exercise_id


def test_a_mistake_that_raises_is_named_after_it_reproduced_a_wrong_answer_and_the_same_error():
    """x fed to every layer: wrong values on the first case (H_in == H), a shape error later."""
    wrong = dict((f.__name__, f) for _, f, _ in WRONG)
    result = check("stacked_rnn", wrong["stacked_x_to_every_layer"])
    assert result.feedback[0].startswith("likely mistake: every layer after the first receives x")
    assert result.feedback[1].startswith("your function raised RuntimeError")

    def raises_at_once(x, h0, params, num_layers):
        return x @ params["weight_hh_l0"]  # no evidence of any catalogued mistake

    result = check("stacked_rnn", raises_at_once)
    catalogue = {m.message for m in get_exercise("stacked_rnn").mistakes}
    assert not any(line.removeprefix("likely mistake: ") in catalogue for line in result.feedback)


def test_a_different_exception_names_no_catalogued_mistake_only_its_cause():
    def right_then_index_error(x, h0, params, num_layers):
        if num_layers > 1 and x.shape[2] != h0.shape[2]:
            raise IndexError("list index out of range")
        return stacked_layer_by_layer(x, h0, params, 1 if num_layers > 1 else num_layers)

    result = check("stacked_rnn", right_then_index_error)
    assert result.feedback[0] == (
        "likely mistake: an index runs past the end of a list or tuple: with n items the "
        "last is at n-1"
    )
    assert result.feedback[1].startswith("your function raised IndexError")


# =============================================================================================
# Delegation is refused
# =============================================================================================


def cell_via_module(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    cell = nn.RNNCell(x.shape[1], h.shape[1], dtype=x.dtype)
    cell.load_state_dict(dict(zip(NAMES, (weight_ih, weight_hh, bias_ih, bias_hh))))
    with torch.no_grad():
        return cell(x, h)


def cell_via_kernel(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.rnn_tanh_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)


def cell_via_aten(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.ops.aten.rnn_tanh_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)


def layer_via_module(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    rnn = nn.RNN(x.shape[2], h0.shape[1], dtype=x.dtype)
    rnn.load_state_dict(
        {f"{name}_l0": w for name, w in zip(NAMES, (weight_ih, weight_hh, bias_ih, bias_hh))}
    )
    with torch.no_grad():
        output, h_n = rnn(x, h0[None])
    return output, h_n[0]


def layer_via_kernel(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    output, h_n = torch.rnn_tanh(
        x, h0[None], [weight_ih, weight_hh, bias_ih, bias_hh], True, 1, 0.0, False, False, False
    )
    return output, h_n[0]


def layer_via_vf(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    output, h_n = torch._VF.rnn_tanh(
        x, h0[None], [weight_ih, weight_hh, bias_ih, bias_hh], True, 1, 0.0, False, False, False
    )
    return output, h_n[0]


def _flat_weights(params, num_layers, bidirectional):
    suffixes = ("", "_reverse") if bidirectional else ("",)
    return [params[f"{n}_l{k}{s}"] for k in range(num_layers) for s in suffixes for n in NAMES]


def stacked_via_module(x, h0, params, num_layers):
    rnn = nn.RNN(x.shape[2], h0.shape[2], num_layers, dtype=x.dtype)
    rnn.load_state_dict(params)
    with torch.no_grad():
        return rnn(x, h0)


def bi_via_kernel(x, h0, params, layer=0):
    weights = [params[f"{n}_l{layer}{s}"] for s in ("", "_reverse") for n in NAMES]
    return torch.rnn_tanh(x, h0, weights, True, 1, 0.0, False, True, False)


def forward_via_module(x, h0, params, num_layers, bidirectional, batch_first):
    rnn = nn.RNN(
        params["weight_ih_l0"].shape[1],
        h0.shape[2],
        num_layers,
        bidirectional=bidirectional,
        batch_first=batch_first,
        dtype=x.dtype,
    )
    rnn.load_state_dict(params)
    with torch.no_grad():
        return rnn(x, h0)


def forward_via_vf(x, h0, params, num_layers, bidirectional, batch_first):
    weights = _flat_weights(params, num_layers, bidirectional)
    return torch._VF.rnn_tanh(
        x, h0, weights, True, num_layers, 0.0, False, bidirectional, batch_first
    )


DELEGATES = [
    ("rnn_cell", cell_via_module, "torch's RNN modules"),
    ("rnn_cell", cell_via_kernel, "rnn_tanh_cell"),
    ("rnn_cell", cell_via_aten, "rnn_tanh_cell"),
    ("rnn_layer", layer_via_module, "torch's RNN modules"),
    ("rnn_layer", layer_via_kernel, "rnn_tanh"),
    ("rnn_layer", layer_via_vf, "rnn_tanh"),
    ("stacked_rnn", stacked_via_module, "torch's RNN modules"),
    ("bidirectional_rnn", bi_via_kernel, "rnn_tanh"),
    ("rnn_forward", forward_via_module, "torch's RNN modules"),
    ("rnn_forward", forward_via_vf, "rnn_tanh"),
]


def _passes_unguarded(exercise_id, fn):
    exercise = get_exercise(exercise_id)
    cases = exercise.cases()
    return judge(exercise, cases, run_learner(exercise, fn, cases, use_guard=False)).passed


@pytest.mark.parametrize(
    "exercise_id, fn, named", DELEGATES, ids=[f"{e}-{f.__name__}" for e, f, _ in DELEGATES]
)
def test_delegating_to_torch_fails_with_a_clear_message(exercise_id, fn, named):
    assert _passes_unguarded(exercise_id, fn), (
        "the delegate itself must be right: only the guard may fail it"
    )
    result = check(exercise_id, fn)
    assert not result.passed
    assert result.feedback[0].startswith(f"{exercise_id} must be written from scratch, but it ")
    assert named in result.feedback[0]


def _reference_delegates():
    reference = pytest.importorskip(
        "rnn_course.reference", reason="rnn_course/reference.py is not written yet"
    )

    def cell(x, h, *weights):
        return reference.rnn_cell(x, h, *weights)

    def layer(x, h0, *weights):
        return reference.rnn_layer(x, h0, *weights)

    def stacked(x, h0, params, num_layers):
        return reference.stacked_rnn(x, h0, [[layer_weights(params, k)] for k in range(num_layers)])

    def bidirectional(x, h0, params, layer=0):
        return reference.bidirectional_layer(
            x, h0, [layer_weights(params, layer), layer_weights(params, layer, "_reverse")]
        )

    def forward(x, h0, params, num_layers, bidirectional, batch_first):
        rnn = reference.RNN(
            params["weight_ih_l0"].shape[1],
            h0.shape[2],
            num_layers,
            bidirectional=bidirectional,
            batch_first=batch_first,
        ).double()
        rnn.load_state_dict(params)
        with torch.no_grad():
            return rnn(x, h0)

    return {
        "rnn_cell": cell,
        "rnn_layer": layer,
        "stacked_rnn": stacked,
        "bidirectional_rnn": bidirectional,
        "rnn_forward": forward,
    }


@pytest.mark.parametrize("exercise_id", [e for e in EXERCISES if e != "final_states"])
def test_delegating_to_the_course_reference_fails(exercise_id):
    fn = _reference_delegates()[exercise_id]
    assert _passes_unguarded(exercise_id, fn), (
        "the delegate itself must be right: only the guard may fail it"
    )
    result = check(exercise_id, fn)
    assert not result.passed
    assert "it calls rnn_course.reference" in result.feedback[0]


# =============================================================================================
# Misbehaviour never makes check raise
# =============================================================================================


def _params_mutations(right):
    def scales_an_entry_in_place(x, h0, params, *flags):
        answer = right(x, h0, params, *flags)
        params["weight_hh_l0"].mul_(0.5)
        return answer

    def replaces_an_entry(x, h0, params, *flags):
        answer = right(x, h0, params, *flags)
        params["bias_ih_l0"] = torch.zeros_like(params["bias_ih_l0"])
        return answer

    def deletes_an_entry(x, h0, params, *flags):
        answer = right(x, h0, params, *flags)
        del params["weight_ih_l0"]
        return answer

    def changes_h0(x, h0, params, *flags):
        answer = right(x, h0, params, *flags)
        h0.zero_()
        return answer

    return [scales_an_entry_in_place, replaces_an_entry, deletes_an_entry, changes_h0]


@pytest.mark.parametrize("index", range(4))
@pytest.mark.parametrize("exercise_id", ["stacked_rnn", "bidirectional_rnn", "rnn_forward"])
def test_changing_params_or_h0_is_caught(exercise_id, index):
    fn = _params_mutations(CORRECT[exercise_id][0])[index]
    result = check(exercise_id, fn)
    assert not result.passed
    assert "changed its input" in result.feedback[0]
    assert ("`h0`" if index == 3 else "`params[") in result.feedback[0]


def test_a_hidden_case_is_never_handed_out_uncopied():
    """A learner that changes its inputs leaves the hidden cases as they were."""

    def vandal(x, h0, params, num_layers):
        for value in params.values():
            value.zero_()
        x.zero_()
        return stacked_layer_by_layer(x, h0, params, num_layers)

    check("stacked_rnn", vandal)
    assert check("stacked_rnn", stacked_layer_by_layer).passed


# =============================================================================================
# Hints and feedback never give the solution away
# =============================================================================================


# =============================================================================================
# The hidden cases cover what the spec asks for
# =============================================================================================


def _dims(label):
    return dict(part.split("=") for part in label.split(", "))


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_cases_cover_small_sizes_and_distinct_sizes(exercise_id):
    cases = get_exercise(exercise_id).cases()
    dims = [_dims(case.label) for case in cases]
    assert 5 <= len(cases) <= 10
    assert any(d["N"] == "1" for d in dims)
    sizes = ("N", "L", "H_in", "H") if exercise_id != "final_states" else ("N", "L", "H")
    if exercise_id != "rnn_cell":
        assert any(d["L"] == "1" for d in dims)
    assert any(
        len({d[s] for s in sizes if s in d}) == len([s for s in sizes if s in d]) for d in dims
    )
    for case in cases:
        assert all(a.dtype == torch.float64 for a in _tensors(case.args))


def _tensors(value):
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        yield from _tensors(list(value.values()))


@pytest.mark.parametrize(
    "exercise_id, flags",
    [
        ("final_states", ("num_layers", "D", "batch_first")),
        ("stacked_rnn", ("num_layers",)),
        ("rnn_forward", ("num_layers", "bidirectional", "batch_first")),
    ],
)
def test_cases_take_every_flag_value(exercise_id, flags):
    dims = [_dims(case.label) for case in get_exercise(exercise_id).cases()]
    for flag in flags:
        values = {d[flag] for d in dims}
        assert values >= (
            {"1", "2", "3"}
            if flag == "num_layers"
            else {"1", "2"}
            if flag == "D"
            else {"True", "False"}
        )
    if exercise_id != "stacked_rnn":
        pairs = {(d[flags[1]], d["batch_first"]) for d in dims}
        assert len(pairs) == 4, pairs


def test_exercises_are_registered_for_their_lessons():
    lessons = {e: get_exercise(e).lesson for e in EXERCISES}
    assert lessons == {
        "rnn_cell": "01_rnn_cell",
        "rnn_layer": "02_unrolling",
        "final_states": "03_output_and_h_n",
        "stacked_rnn": "05_stacked_rnns",
        "bidirectional_rnn": "06_bidirectional_rnns",
        "rnn_forward": "06_bidirectional_rnns",
    }
    for exercise_id in EXERCISES:
        assert get_exercise(exercise_id).forbid_rnn
